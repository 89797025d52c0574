import ChronicleTesting
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// When reading standard input fails mid-pipe, every line already committed keeps its ack:
/// the acks of the last groups are written before the session ends.
@Suite struct AckFlushTests {
    @Test func aResetInputStillAcksEveryCommittedLine() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        // A TCP connection on loopback as the appender's standard input, reset after the lines.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in
                try #require(bind(listener, a, length) == 0)
                try #require(listen(listener, 1) == 0)
                try #require(getsockname(listener, a, &length) == 0)
            }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try withUnsafePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in try #require(connect(client, a, length) == 0) }
        }
        let server = accept(listener, nil, nil)
        try #require(server >= 0)

        let appender = Process()
        appender.executableURL = ChronicleBinary.url
        appender.arguments = ["append", "--db", db]
        appender.environment = fixedClock
        appender.standardInput = FileHandle(fileDescriptor: server, closeOnDealloc: true)
        let out = Pipe()
        appender.standardOutput = out
        appender.standardError = FileHandle.nullDevice
        try appender.run()
        let acks = PipeCollector(out.fileHandleForReading)

        let lines = (0..<150_000).map { "ms:key_\($0 % 500)|v\($0)|semantic\n" }.joined()
        var sent = 0
        let bytes = Array(lines.utf8)
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            try #require(n > 0)
            sent += n
        }
        // Let the appender commit what it has read, then reset the connection (RST, not FIN).
        Thread.sleep(forTimeInterval: 1.0)
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close(client)
        appender.waitUntilExit()
        let printed = acks.finish().split(separator: "\n").count
        let committed = try DatabaseRows.count(db)
        #expect(committed > 0)
        #expect(printed == committed, "\(committed) lines committed, \(printed) acked (exit \(appender.terminationStatus))")
    }
}

/// Counts the events of a log with the sqlite3 command-line-free path: the store's own reader.
enum DatabaseRows {
    static func count(_ path: String) throws -> Int {
        try ChronicleBinary.run(["tail", "--db", path]).stdout.split(separator: "\n").count
    }
}

/// A reader of the acks that stops reading slows the appender down: at most three groups are
/// committed ahead of the acks it has read (one being written, one waiting, one just committed).
@Suite struct AckBackPressureTests {
    @Test func aStalledAckReaderHoldsTheAppenderBack() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let input = try TestLog.temporaryDirectory().appendingPathComponent("in.txt")
        let total = 700_000
        try (0..<total).map { "ms:k\($0 % 1_000)|\($0)|semantic\n" }.joined().write(to: input, atomically: true, encoding: .utf8)
        let appender = Process()
        appender.executableURL = ChronicleBinary.url
        appender.arguments = ["append", "--db", db]
        appender.environment = fixedClock
        appender.standardInput = try FileHandle(forReadingFrom: input)
        let out = Pipe()
        appender.standardOutput = out
        appender.standardError = FileHandle.nullDevice
        try appender.run()
        // Nobody reads the acks: the pipe fills and the appender must wait, with at most three
        // groups committed ahead. Whatever the machine's speed, it is stalled once a thread of
        // it waits to write to the full pipe and the log stops growing; an appender that
        // commits every line first had no back-pressure.
        var committedWhileStalled = 0
        var stalled = false
        for _ in 0..<600 {
            Thread.sleep(forTimeInterval: 0.5)
            // Nothing yet while the appender has not created the log.
            let committed = (try? Self.eventCount(db)) ?? 0
            if committed == total { break }
            if committed > 0, committed == committedWhileStalled, Self.waitsToWriteAPipe(appender.processIdentifier) {
                stalled = true
                break
            }
            committedWhileStalled = committed
        }
        #expect(stalled, "the appender committed \(committedWhileStalled) of \(total) lines without waiting for its reader")
        #expect(committedWhileStalled > 0)
        #expect(committedWhileStalled <= 3 * 131_072, "\(committedWhileStalled) lines committed with no ack read")
        // Reading again lets it finish: every line acked and committed.
        let acks = PipeCollector(out.fileHandleForReading).finish()
        appender.waitUntilExit()
        #expect(appender.terminationStatus == 0)
        #expect(acks.split(separator: "\n").count == total)
        #expect(try DatabaseRows.count(db) == total)
    }

    /// The events committed so far, read without printing them.
    static func eventCount(_ path: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") } ?? 0
    }

    /// Whether a thread of process `pid` sleeps in a write to a pipe (Linux: its `wchan`).
    static func waitsToWriteAPipe(_ pid: Int32) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.contains { task in
            let wchan = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/wchan", encoding: .utf8)) ?? ""
            return wchan.contains("pipe_write")
        }
    }
}
