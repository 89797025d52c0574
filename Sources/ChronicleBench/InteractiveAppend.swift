import Foundation

/// `chronicle append` as a child with pipes, fed one line at a time: write a line, wait for its
/// ack, repeat. The latency of a line runs from the start of its write to the end of its ack.
enum InteractiveAppend {
    struct Result {
        /// Milliseconds, one per measured line, in input order.
        var latencies: [Double]
        var commandLine: String
    }

    /// Sends `lines` (the first `warmUp` of them unmeasured) to a fresh log at `dbPath`.
    /// `synchronous` nil leaves the appender's default (FULL).
    static func run(
        chronicle: String, lines: [String], warmUp: Int, dbPath: String, synchronous: String?, stderrPath: String,
        environment: [String: String]
    ) throws -> Result {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
        var arguments = ["append", "--db", dbPath]
        if let synchronous { arguments += ["--synchronous", synchronous] }
        let child = try ChildProcess(
            executable: chronicle, arguments: arguments, environment: environment, stdin: .pipe, stdout: .pipe,
            stderrPath: stderrPath)
        var latencies: [Double] = []
        latencies.reserveCapacity(max(0, lines.count - warmUp))
        var acks = AckReader(fd: child.stdoutFD)
        do {
            for (i, line) in lines.enumerated() {
                let bytes = Array((line + "\n").utf8)
                let watch = Stopwatch()
                try writeAll(child.stdinFD, bytes)
                guard let ack = try acks.next() else {
                    throw BenchError.ackMismatch(what: "interactive append", detail: "no ack for line \(i + 1): \(line)")
                }
                let elapsed = watch.elapsedMilliseconds
                if ack.starts(with: "er:".utf8) {
                    throw BenchError.ackMismatch(
                        what: "interactive append", detail: "line \(i + 1) (\(line)) got \(String(decoding: ack, as: UTF8.self))")
                }
                if i >= warmUp { latencies.append(elapsed) }
            }
        } catch {
            child.closeInput()
            _ = try? child.wait()
            throw error
        }
        child.closeInput()
        if let extra = try acks.next() {
            throw BenchError.ackMismatch(what: "interactive append", detail: "an ack too many: \(String(decoding: extra, as: UTF8.self))")
        }
        let end = try child.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (interactive)", status: end.summary, stderrPath: stderrPath)
        }
        return Result(latencies: latencies, commandLine: "CHRONICLE_CLOCK=\(environment["CHRONICLE_CLOCK"] ?? "") " + child.commandLine)
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError.system(call: "write to chronicle append", errno: errno)
            }
            offset += n
        }
    }
}
