import ChronicleTesting
import Foundation
import Testing

/// SIGINT and SIGTERM end `append` and `tail --follow` cleanly: what was read is committed and
/// printed, the process exits 0 by itself.
@Suite struct StopSignalTests {
    /// Waits up to 20 s for `process` to exit.
    static func waitForExit(_ process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// `chronicle tail --db DB --follow` started, its stdout on a pipe.
    static func tailFollow(_ db: String) throws -> (Process, Pipe) {
        let follower = Process()
        follower.executableURL = ChronicleBinary.url
        follower.arguments = ["tail", "--db", db, "--follow"]
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        return (follower, out)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func appendStopsAfterTheLinesItRead(signal: Int32) throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let appender = Process()
        appender.executableURL = ChronicleBinary.url
        appender.arguments = ["append", "--db", db]
        appender.environment = ["CHRONICLE_CLOCK": "fixed:2025-06-01T10:00:00Z"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        appender.standardInput = input
        appender.standardOutput = output
        appender.standardError = errors
        try appender.run()
        defer { if appender.isRunning { kill(appender.processIdentifier, SIGKILL) } }
        try input.fileHandleForWriting.write(contentsOf: Data("ms:a|1|semantic\nms:b|2|semantic\nms:c|3|semantic\n".utf8))
        let acks = ChronicleBinary.readLines(output.fileHandleForReading.fileDescriptor, count: 3)
        #expect(acks == "su:memory/a|stored|1\nsu:memory/b|stored|1\nsu:memory/c|stored|1\n")
        // Input stays open: only the signal can end the process.
        kill(appender.processIdentifier, signal)
        // Still running, its termination cannot be asked for (Foundation would trap).
        guard Self.waitForExit(appender) else {
            Issue.record("append did not stop within 20 s of the signal")
            return
        }
        #expect(appender.terminationReason == .exit)
        #expect(appender.terminationStatus == 0)
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr == "chronicle: \(name): stopped reading after line 3; every line up to it is committed and acked\n")
        let tail = try ChronicleBinary.run(["tail", "--db", db])
        #expect(tail.stdout.split(separator: "\n").count == 3)
        try? input.fileHandleForWriting.close()
    }

    @Test func tailFollowStopsOnSIGTERM() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(["append", "--db", db], input: "ms:k|0|semantic\nms:k|1|semantic\n", environment: fixedClock)
        let (follower, out) = try Self.tailFollow(db)
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        let text = ChronicleBinary.readLines(out.fileHandleForReading.fileDescriptor, count: 2)
        #expect(text.split(separator: "\n").count == 2)
        kill(follower.processIdentifier, SIGTERM)
        guard Self.waitForExit(follower) else {
            Issue.record("tail --follow did not stop within 20 s of SIGTERM")
            return
        }
        #expect(follower.terminationReason == .exit)
        #expect(follower.terminationStatus == 0)
    }

    /// A signal that comes as soon as the process has said something is not lost: the handler
    /// is in place before the first output (a dispatch source registered it later, and a
    /// SIGTERM in between was ignored). Twenty times, the signal sent at once.
    @Test func aSignalRightAfterTheFirstOutputIsNotLost() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(["append", "--db", db], input: "ms:k|0|semantic\n", environment: fixedClock)
        for round in 0..<20 {
            let (follower, out) = try Self.tailFollow(db)
            defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
            _ = ChronicleBinary.readLines(out.fileHandleForReading.fileDescriptor, count: 1)
            kill(follower.processIdentifier, round % 2 == 0 ? SIGTERM : SIGINT)
            guard Self.waitForExit(follower) else {
                Issue.record("round \(round): tail --follow did not stop")
                return
            }
            #expect(follower.terminationReason == .exit && follower.terminationStatus == 0, "round \(round)")
        }
    }
}
