import ChronicleStore
import ChronicleTesting
import Foundation
import GRDB
import Testing

/// `chronicle append` killed with SIGKILL at random moments loses no acked line, never leaves a
/// command half-committed, and keeps the hash chain and `seq` intact.
@Suite struct CrashSafetyTests {
    /// The lines of one round: each pair creates a task and splits it into two children
    /// (a 3-event command), with a memory store between, every command with its own id.
    static func lines(round: Int, count: Int) -> [(id: String, line: String, events: Int)] {
        var out: [(String, String, Int)] = []
        for i in 0..<count {
            let t = "t\(round)_\(i)"
            out.append(
                (
                    "r\(round)-\(i)a",
                    #"{"cmd":"task.create","command_id":"r\#(round)-\#(i)a","id":"\#(t)","title":"Task \#(i)","intent":"crash","complexity":"low"}"#,
                    1
                ))
            out.append(("r\(round)-\(i)m", "[id=r\(round)-\(i)m] ms:key_\(i % 50)|{round:\(round),i:\(i)}|semantic", 1))
            out.append(
                (
                    "r\(round)-\(i)b",
                    #"{"cmd":"task.split","command_id":"r\#(round)-\#(i)b","id":"\#(t)","confidence":0.4,"reason":"r","into":[{"id":"\#(t)_a","title":"A","intent":"crash","complexity":"low"},{"id":"\#(t)_b","title":"B","intent":"crash","complexity":"low"}]}"#,
                    3
                ))
        }
        return out
    }

    /// `chronicle append --db DB` fed `lines` in chunks of random sizes at random short pauses,
    /// on a thread of its own; its acks collected.
    static func startAppender(db: String, lines: [(id: String, line: String, events: Int)]) throws -> (Process, PipeCollector) {
        let process = Process()
        process.executableURL = ChronicleBinary.url
        process.arguments = ["append", "--db", db]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = Thread {
            var rng = SystemRandomNumberGenerator()
            var i = 0
            while i < lines.count {
                let n = Int.random(in: 1...400, using: &rng)
                let chunk = lines[i..<min(i + n, lines.count)].map(\.line).joined(separator: "\n") + "\n"
                guard (try? stdin.fileHandleForWriting.write(contentsOf: Data(chunk.utf8))) != nil else { return }
                i += n
                usleep(UInt32.random(in: 0...3_000, using: &rng))
            }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        return (process, PipeCollector(stdout.fileHandleForReading))
    }

    @Test func killedAppenderLosesNoAckedLine() throws {
        signal(SIGPIPE, SIG_IGN)
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        // How long a whole round takes here and now (the machine may be loaded): each kill
        // falls anywhere in that time, so that most land inside the run, not after it.
        let scratch = try TestLog.temporaryDirectory().appendingPathComponent("scratch.db").path
        let clock = ContinuousClock()
        let started = clock.now
        let (measured, measuredOutput) = try Self.startAppender(db: scratch, lines: Self.lines(round: 99, count: 2_000))
        measured.waitUntilExit()
        _ = measuredOutput.finish()
        let whole = clock.now - started
        let wholeMicroseconds = UInt32(whole.components.seconds * 1_000_000 + whole.components.attoseconds / 1_000_000_000_000)
        var acked: [String] = []
        var expectedEvents: [String: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for round in 0..<6 {
            let lines = Self.lines(round: round, count: 2_000)
            for l in lines { expectedEvents[l.id] = l.events }
            let (process, output) = try Self.startAppender(db: db, lines: lines)
            usleep(UInt32.random(in: (wholeMicroseconds / 20)...(wholeMicroseconds * 9 / 10), using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = output.finish()
            // Only whole ack lines count: the k-th ack answers the k-th line sent.
            let ackLines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if ackLines.count < lines.count { interrupted += 1 }
            print("round \(round): \(ackLines.count) of \(lines.count) lines acked before the kill (a whole round: \(whole))")
            for (k, ack) in ackLines.enumerated() {
                #expect(!ack.hasPrefix("er:"), "round \(round) line \(k + 1): \(ack)")
                acked.append(lines[k].id)
            }
        }
        #expect(acked.count > 0)
        // A kill that came after the run ended proves nothing: most must land in one.
        #expect(interrupted >= 3, "only \(interrupted) of 6 rounds were killed before the end of their input")

        let log = try EventLog(path: db, logger: TestLog.silentLogger)
        #expect(try LogIntegrity.check(log) == [])
        let queue = try DatabaseQueue(path: db)
        try queue.read { db in
            // Each id is recorded with its command's first event (`command_ack`).
            let stored = Set(try String.fetchAll(db, sql: "SELECT command_id FROM events WHERE command_ack IS NOT NULL"))
            for id in acked { #expect(stored.contains(id), "acked command \(id) is missing") }
            let perCommand = try Row.fetchAll(db, sql: "SELECT command_id, count(*) AS n FROM events GROUP BY command_id")
            for row in perCommand {
                let id: String = row["command_id"]
                let n: Int = row["n"]
                #expect(expectedEvents[id] == n, "command \(id) has \(n) events")
                #expect(stored.contains(id), "command \(id) has events but no record of its id")
            }
            #expect(perCommand.count == stored.count)
        }
    }
}
