import Foundation

/// One run of `chronicle append` over a file of commands, stdin from the file and stdout to a
/// file: wall time, CPU time and peak RSS of the child, and a check of every ack.
enum BulkAppend {
    struct Result {
        var commands: Int
        var events: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakRSSBytes: Int
        var commandLine: String
        var commandsPerSecond: Double { Double(commands) / seconds }
        var eventsPerSecond: Double { Double(events) / seconds }
    }

    /// Runs `chronicle append --db dbPath < commandsPath > acksPath` on a fresh database and
    /// checks that there is one ack per line, none of them `er:`, and `expectedEvents` events.
    static func run(
        chronicle: String, commandsPath: String, lines: Int, expectedEvents: Int, dbPath: String, acksPath: String,
        stderrPath: String, environment: [String: String]
    ) throws -> Result {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
        let watch = Stopwatch()
        let child = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", dbPath], environment: environment,
            stdin: .file(commandsPath), stdout: .file(acksPath), stderrPath: stderrPath)
        let end = try child.wait()
        let seconds = watch.elapsedSeconds
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (bulk, \(lines) lines)", status: end.summary, stderrPath: stderrPath)
        }
        try checkAcks(at: acksPath, expected: lines)
        let events = Int(try RawDatabase(path: dbPath, readOnly: true).integer("SELECT count(*) FROM events"))
        guard events == expectedEvents else {
            throw BenchError.ackMismatch(what: dbPath, detail: "\(events) events in the log, the workload makes \(expectedEvents)")
        }
        return Result(
            commands: lines, events: events, seconds: seconds, cpuSeconds: end.cpuSeconds, peakRSSBytes: end.peakRSSBytes,
            commandLine: "CHRONICLE_CLOCK=\(environment["CHRONICLE_CLOCK"] ?? "") " + child.commandLine)
    }

    /// Counts the ack lines in `path` and refuses any `er:` ack.
    static func checkAcks(at path: String, expected: Int) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchError.missingFile(path: path, hint: "chronicle append wrote no acks")
        }
        var count = 0
        var lineStart = true
        var firstError: (line: Int, text: String)?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            for i in 0..<bytes.count {
                let c = bytes[i]
                if lineStart, firstError == nil, c == UInt8(ascii: "e"), i + 2 < bytes.count,
                    bytes[i + 1] == UInt8(ascii: "r"), bytes[i + 2] == UInt8(ascii: ":")
                {
                    let end = bytes[i...].firstIndex(of: 10) ?? bytes.count
                    firstError = (count + 1, String(decoding: bytes[i..<end], as: UTF8.self))
                }
                lineStart = c == 10
                if c == 10 { count += 1 }
            }
        }
        if let firstError {
            throw BenchError.ackMismatch(what: path, detail: "ack \(firstError.line) is an error: \(firstError.text)")
        }
        guard count == expected else {
            throw BenchError.ackMismatch(what: path, detail: "\(count) acks for \(expected) command lines")
        }
    }
}
