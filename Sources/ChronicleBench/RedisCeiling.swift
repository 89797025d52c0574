import ChronicleRedis
import Foundation

/// The ceiling a pipelined Redis writer is compared with: `redis-benchmark -P 64 -t hset -n N -q`
/// on the benchmark's own server, in the same run.
///
/// `redis-benchmark` (7.0) takes a password only as `-a` on its command line, where `ps` would
/// show it, and reads no environment variable for it. So it logs in as a user of its own,
/// `ceiling`, made for the run with `ACL SETUSER … nopass` and allowed only `HSET` on `myhash*`
/// (with `PING`, `SELECT` and `CONFIG GET`, which it sends at start) and deleted afterwards: the
/// `-a` it is given is a placeholder, and the server's password never leaves the benchmark.
/// It writes in database 1 (`--dbnum 1`), away from the view in database 0.
enum RedisCeiling {
    struct Result {
        /// `HSET`s per second, as `redis-benchmark` reports them.
        var requestsPerSecond: Double
        var commandLine: String
    }

    static let user = "ceiling"

    static func run(url: RedisURL, requests: Int, dir: String) throws -> Result {
        guard case .tcp(let host, let port) = url.endpoint else {
            throw BenchError.ackMismatch(what: "redis-benchmark", detail: "the server has no TCP endpoint")
        }
        guard
            let executable = ["/usr/bin/redis-benchmark", "/usr/local/bin/redis-benchmark"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw BenchError.missingFile(path: "redis-benchmark", hint: "install the Debian package redis-tools")
        }
        let admin = try RedisConnection(url: url)
        defer { _ = try? admin.command("ACL", "DELUSER", user) }
        let made = try admin.command(
            "ACL", "SETUSER", user, "reset", "on", "nopass", "~myhash*", "+hset", "+ping", "+select", "+config|get")
        if let message = made.errorMessage { throw BenchError.ackMismatch(what: "ACL SETUSER \(user)", detail: message) }
        let output = "\(dir)/redis-benchmark.out"
        let child = try ChildProcess(
            executable: executable,
            arguments: [
                "-h", host, "-p", String(port), "--user", user, "-a", "no-password-needed", "--dbnum", "1", "-P", "64", "-t", "hset", "-n",
                String(requests), "-q",
            ],
            environment: ["PATH": "/usr/bin:/bin"], stdin: .file("/dev/null"), stdout: .file(output),
            stderrPath: "\(dir)/redis-benchmark.stderr")
        let end = try child.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "redis-benchmark", status: end.summary, stderrPath: "\(dir)/redis-benchmark.stderr")
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // With -q the last figure follows progress lines ended by \r: `HSET: 789012.25 requests per second, p50=…`.
        let figure = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).compactMap { line -> Double? in
            guard let range = line.range(of: "HSET: ") else { return nil }
            let rest = line[range.upperBound...]
            guard rest.contains("requests per second") else { return nil }
            return Double(rest.prefix { $0.isNumber || $0 == "." })
        }.last
        guard let figure else {
            throw BenchError.ackMismatch(what: "redis-benchmark", detail: "no `HSET: N requests per second` in \(output)")
        }
        return Result(requestsPerSecond: figure, commandLine: child.commandLine)
    }
}
