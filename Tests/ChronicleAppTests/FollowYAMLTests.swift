import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleTesting
import Foundation
import Testing

/// The following projector: stepping after every event (or after a random few) gives, file for
/// file and byte for byte, the tree a fresh replay builds as of the same point; a future-dated
/// value appears by itself when its time comes; SIGINT ends it cleanly.
@Suite struct FollowYAMLTests {
    /// The files of the tree at `dir` that the view owns.
    static func view(_ dir: URL) throws -> [String: Data] { try ProjectYAMLTests.view(dir) }

    @Test(arguments: [1, 2, 3])
    func followingEventByEventGivesWhatAFreshReplayGives(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 7_919)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        let appender = Process()
        appender.executableURL = ChronicleBinary.url
        appender.arguments = ["append", "--db", db]
        appender.environment = ProcessInfo.processInfo.environment.merging(fixedClock) { $1 }
        let input = Pipe()
        let output = Pipe()
        appender.standardInput = input
        appender.standardOutput = output
        try appender.run()
        defer {
            try? input.fileHandleForWriting.close()
            appender.waitUntilExit()
        }
        var seq = 0
        func append(_ line: String) throws {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            let ack = ChronicleBinary.readLines(output.fileHandleForReading.fileDescriptor, count: 1)
            #expect(ack.hasSuffix("\n"), "no ack for \(line)")
            if !ack.hasPrefix("er:") { seq += 1 }
        }
        try append("ms:key_0|first|semantic")
        let log = try EventLog(path: db, forWriting: false, logger: TestLog.silentLogger)
        let projector = try TreeProjector(log: log, directory: tree.path, clock: TestLog.clock, logger: TestLog.silentLogger)
        try projector.catchUp()
        var steps = 0, due = 0
        for n in 1..<80 {
            try append(RandomHistory.line(n, seq: seq, &random))
            // After every event, or after a few (a batch).
            guard Bool.random(using: &random) || n == 79 else { continue }
            let pendingBefore = projector.nextDue
            try projector.step()
            steps += 1
            if let pendingBefore, pendingBefore <= projector.validAt { due += 1 }
            let fresh = work.appendingPathComponent("fresh-\(n)")
            let entities = try LogQuery(log: log).treeEntities(asOf: AsOf(valid: projector.validAt, known: .position(projector.position)))
            _ = try TreeReplay.build(entities, at: fresh.path)
            let expected = try Self.view(fresh)
            let got = try Self.view(tree)
            #expect(got.keys.sorted() == expected.keys.sorted(), "seed \(seed) after line \(n)")
            for (path, bytes) in expected { #expect(got[path] == bytes, "seed \(seed) after line \(n): \(path)") }
            #expect(projector.sink.outcome.keptAside == [], "seed \(seed) after line \(n)")
        }
        // The history exercised what it is for: batches, and scheduled values coming due.
        #expect(steps > 20 && due > 0, "steps \(steps), due \(due)")
    }

    /// Through the binary, on the system clock: a value dated 2 s ahead appears in its file by
    /// itself (no append wakes the projector); a second projector on the same tree is refused;
    /// SIGINT ends the first with status 0, its checkpoint at the head and its heartbeat saying
    /// it stopped.
    @Test func aFutureDatedValueAppearsByItselfAndSIGINTStopsCleanly() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:theme|dark|semantic\n").status == 0)
        let follower = Process()
        follower.executableURL = ChronicleBinary.url
        follower.arguments = ["project", "yaml", tree.path, "--db", db, "--follow"]
        let errors = Pipe()
        follower.standardError = errors
        try follower.run()
        let collected = PipeCollector(errors.fileHandleForReading)
        defer { if follower.isRunning { follower.terminate() } }
        let file = tree.appendingPathComponent("memory/theme.yaml")
        func value() -> String? {
            (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("value:") }.map(String.init)
        }
        func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                usleep(10_000)
            }
            return condition()
        }
        #expect(waitFor(20) { value() == "value: dark" })
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let due = formatter.string(from: Date().addingTimeInterval(2))
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "[valid=\(due)] ms:theme|light|semantic\n").status == 0)
        // Not before its time, and then by itself.
        usleep(500_000)
        #expect(value() == "value: dark")
        #expect(waitFor(10) { value() == "value: light" })

        let second = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "")
        #expect(second.status == 1)
        #expect(second.stderr.contains("another projector"))

        let heartbeat = tree.appendingPathComponent(".chronicle/heartbeat.json")
        #expect(waitFor(5) { (try? Data(contentsOf: heartbeat)).flatMap { Heartbeat(bytes: Array($0)) }?.state == .following })
        kill(follower.processIdentifier, SIGINT)
        follower.waitUntilExit()
        #expect(follower.terminationStatus == 0, "stderr: \(collected.finish())")
        let beat = try #require(Heartbeat(bytes: Array(try Data(contentsOf: heartbeat))))
        #expect(beat.state == .stopped && beat.seq == 2)
        let checkpoint = try ViewCheckpoint(
            bytes: Array(try Data(contentsOf: tree.appendingPathComponent(".chronicle/checkpoint.json"))), path: "checkpoint")
        #expect(checkpoint.seq == 2)
        // The tree it leaves is a fresh replay's.
        let fresh = work.appendingPathComponent("fresh")
        #expect(try ChronicleBinary.run(["replay", "yaml", fresh.path, "--db", db], input: "").status == 0)
        #expect(try Self.view(tree) == (try Self.view(fresh)))
    }
}
