public import ChronicleRedis
import Foundation
import Synchronization

/// A real `redis-server` for tests: the one `tools/test` started (`CHRONICLE_TEST_REDIS_URL`,
/// with `CHRONICLE_TEST_REDIS_SOCKET` for its unix socket), or one started here on a free
/// loopback port in a temporary directory, with a random password, no persistence and a unix
/// socket.
///
/// Tests share a server and each takes a database of its own (`withDatabase`), so they run in
/// parallel. A missing `redis-server` is an error, never a skip: the tests that need it fail
/// and say to install it.
public final class RedisServer: Sendable {
    /// The server over TCP, database 0, with its password.
    public let url: RedisURL
    /// Its unix socket, when known (always for a server started here).
    public let socketPath: String?
    private let process: Mutex<Process?>
    private let directory: URL?

    /// The environment variable naming a server the tests use instead of starting one (`tools/test` sets it).
    public static let urlVariable = "CHRONICLE_TEST_REDIS_URL"
    /// The environment variable naming that server's unix socket.
    public static let socketVariable = "CHRONICLE_TEST_REDIS_SOCKET"

    /// Why a test server could not be had; the test fails with this text.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(url: RedisURL, socketPath: String?, process: Process?, directory: URL?) {
        (self.url, self.socketPath, self.directory) = (url, socketPath, directory)
        self.process = Mutex(process)
    }

    deinit { stop() }

    /// The server every test shares: `CHRONICLE_TEST_REDIS_URL`'s, or one started for this test
    /// process (stopped when the process exits).
    public static func shared() throws -> RedisServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<RedisServer, any Error> = Result {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment[urlVariable], !text.isEmpty {
            let url: RedisURL
            do { url = try RedisURL(parsing: text) } catch { throw Failure(description: "\(urlVariable): \(error)") }
            let socket = environment[socketVariable].flatMap { $0.isEmpty ? nil : $0 }
            return RedisServer(url: url, socketPath: socket, process: nil, directory: nil)
        }
        let server = try start()
        atexit { try? RedisServer.sharedServer.get().stop() }
        return server
    }

    /// Starts a `redis-server` of the caller's own (to stop or restart in a test); `stop()` it at the end.
    /// - Throws: `Failure` when `redis-server` is not installed or does not come up.
    public static func start() throws -> RedisServer {
        guard let executable = executablePath() else {
            throw Failure(
                description:
                    "redis-server is not installed, and the Redis tests need a real server: run tools/install-packages (it installs the Debian package redis-server), or set \(urlVariable) to a running server's URL"
            )
        }
        var lastLog = ""
        for _ in 0..<5 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-redis-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let port = try freeLoopbackPort()
            let password = (0..<24).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
            let url = RedisURL(endpoint: .tcp(host: "127.0.0.1", port: port), password: password)
            let socket = directory.appendingPathComponent("redis.sock").path
            let process = try launch(executable, url: url, directory: directory)
            let server = RedisServer(url: url, socketPath: socket, process: process, directory: directory)
            if waitUntilUp(process, url: url) { return server }
            lastLog = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            server.stop()
            // Another process may have taken the port between the probe and the start: try another.
            guard lastLog.contains("Address already in use") else { break }
        }
        throw Failure(
            description: "redis-server did not come up; its log ends:\n\(lastLog.split(separator: "\n").suffix(5).joined(separator: "\n"))")
    }

    /// `redis-server` on `url`'s port and password, in `directory` (its `dump.rdb` loaded when
    /// there is one), with a unix socket there, saving only when told (`SHUTDOWN SAVE`).
    private static func launch(_ executable: String, url: RedisURL, directory: URL) throws -> Process {
        guard case .tcp(_, let port) = url.endpoint, let password = url.password else {
            throw Failure(description: "a test server is started on a TCP port with a password")
        }
        // The configuration goes on stdin, so the password never shows in ps.
        let configuration = """
            bind 127.0.0.1
            port \(port)
            unixsocket \(directory.appendingPathComponent("redis.sock").path)
            unixsocketperm 700
            dir \(directory.path)
            logfile \(directory.appendingPathComponent("redis.log").path)
            save ""
            appendonly no
            databases 256
            requirepass \(password)

            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-"]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(configuration.utf8))
        try stdin.fileHandleForWriting.close()
        return process
    }

    /// Whether `process` answers on `url` within 10 s.
    private static func waitUntilUp(_ process: Process, url: RedisURL) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline {
            if let connection = try? RedisConnection(url: url, connectTimeout: .milliseconds(200)) {
                connection.close()
                return true
            }
            usleep(20_000)
        }
        return false
    }

    /// Stops a server started here as an outage would, keeping its directory for `restart()`:
    /// `SHUTDOWN SAVE` (its data written to `dump.rdb`, loaded again on restart) or `SHUTDOWN
    /// NOSAVE` (whatever `dump.rdb` an earlier save left is loaded; remove it for an empty
    /// server). A server named by `CHRONICLE_TEST_REDIS_URL` is left running.
    public func shutDown(saving: Bool) {
        guard
            let process = process.withLock({ process in
                defer { process = nil }; return process
            })
        else { return }
        _ = try? RedisConnection(url: url, connectTimeout: .seconds(1), replyTimeout: .seconds(5))
            .command("SHUTDOWN", saving ? "SAVE" : "NOSAVE")
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Starts a server `shutDown(saving:)` stopped again, on the same port, with the same
    /// password and directory.
    /// - Throws: `Failure` when it does not come up (the port taken meanwhile, say).
    public func restart() throws {
        guard let directory, let executable = Self.executablePath() else {
            throw Failure(description: "only a server started here can be restarted")
        }
        let started = try Self.launch(executable, url: url, directory: directory)
        process.withLock { $0 = started }
        guard Self.waitUntilUp(started, url: url) else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            throw Failure(
                description:
                    "redis-server did not come up again; its log ends:\n\(log.split(separator: "\n").suffix(5).joined(separator: "\n"))")
        }
    }

    /// The directory a server started here keeps its files in (`dump.rdb`, `redis.log`).
    public var dataDirectory: String? { directory?.path }

    /// Stops a server started here (`SHUTDOWN NOSAVE`, then SIGKILL after 5 s) and removes its directory;
    /// a server named by `CHRONICLE_TEST_REDIS_URL` is left running.
    public func stop() {
        let process = process.withLock { process in
            defer { process = nil }; return process
        }
        if let process, process.isRunning {
            // SHUTDOWN rather than SIGTERM: a child of the test process inherits its blocked
            // signals (SIGTERM among them under swift test), so redis-server would never see one.
            _ = try? RedisConnection(url: url, connectTimeout: .seconds(1), replyTimeout: .seconds(2)).command("SHUTDOWN", "NOSAVE")
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        // Also after shutDown(saving:) with no restart: its directory is removed all the same.
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Whether this server was started here (and `stop()` stops it).
    public var isOwned: Bool { directory != nil }

    private static func executablePath() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        return directories.map { $0 + "/redis-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (bound to port 0, then released).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind() on 127.0.0.1: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
