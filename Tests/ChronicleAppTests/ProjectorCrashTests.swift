import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

/// A projector killed (SIGKILL) at random moments of a catch-up of a long log, several times,
/// with the log growing between kills: the run after the last kill leaves exactly the tree a
/// fresh replay builds, with no temporary file left and none of its own files taken for edits.
@Suite struct ProjectorCrashTests {
    /// Commands that change what earlier ones made: status, new values, forgotten keys, tasks
    /// moving between context paths, retractions.
    static func changes(_ count: Int, tasks: Int, seq: Int, _ random: inout SeededRandom) -> String {
        var lines = ""
        for n in 0..<count {
            let t = Int.random(in: 0..<tasks, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: lines += "su:t\(t)|in_progress|0.\(Int.random(in: 1...9, using: &random))\n"
            case 1: lines += "ms:key_\(t % 500)|changed_\(n)|semantic\n"
            case 2: lines += "{\"cmd\":\"memory.forget\",\"key\":\"key_\(t % 500)\"}\n"
            case 3: lines += "{\"cmd\":\"task.update\",\"id\":\"t\(t)\",\"set\":{\"context_cascade\":\"agents/dev/c\(n % 4)\"}}\n"
            default: lines += "{\"cmd\":\"event.retract\",\"seq\":\(Int.random(in: 1...seq, using: &random))}\n"
            }
        }
        return lines
    }

    @Test func aProjectorKilledDuringCatchUpLeavesWhatAFreshReplayBuilds() throws {
        var random = SeededRandom(state: 20_261_203)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        let tasks = 3_000
        var input = ""
        for t in 0..<tasks {
            input +=
                "{\"cmd\":\"task.create\",\"id\":\"t\(t)\",\"title\":\"Task \(t)\",\"intent\":\"feature\",\"complexity\":\"low\",\"context_cascade\":\"agents/dev/c\(t % 3)\"}\n"
            if t % 3 == 0 { input += "ms:key_\(t / 3)|v\(t)|semantic\n" }
        }
        input += "{\"cmd\":\"workflow.start\",\"workflow\":\"deploy\",\"params\":{\"n\":1}}\n"
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input).status == 0)
        var seq = tasks + tasks / 3 + 1

        // A complete tree beside the one killed, brought up to the log before each round: how
        // long that takes here and now (the machine may be loaded) is how long the killed
        // projector's run takes at least, and its kill falls anywhere in that time (opening,
        // folding, writing files, removing, flushing).
        let timed = work.appendingPathComponent("timed")
        func runTime() throws -> UInt32 {
            let started = Date()
            let run = try ChronicleBinary.run(["project", "yaml", timed.path, "--db", db], input: "")
            #expect(run.status == 0, "\(run.stderr)")
            return max(UInt32(Date().timeIntervalSince(started) * 1_000_000), 100_000)
        }

        var killed = 0
        for _ in 0..<6 {
            let runMicroseconds = try runTime()
            let projector = Process()
            projector.executableURL = ChronicleBinary.url
            projector.arguments = ["project", "yaml", tree.path, "--db", db]
            projector.standardError = FileHandle.nullDevice
            try projector.run()
            usleep(UInt32.random(in: runMicroseconds / 20...runMicroseconds * 19 / 20, using: &random))
            if projector.isRunning {
                kill(projector.processIdentifier, SIGKILL)
                killed += 1
            }
            projector.waitUntilExit()
            let more = Int.random(in: 50...400, using: &random)
            #expect(
                try ChronicleBinary.run(["append", "--db", db], input: Self.changes(more, tasks: tasks, seq: seq, &random)).status == 0)
            seq += more
        }
        // A kill that came after the run ended proves nothing: most must land in one.
        #expect(killed >= 4, "only \(killed) of 6 runs were killed while running")

        // A kill between a temporary file's creation and its rename is a moment too narrow to
        // hit by chance: leave such files as that kill would, and one that only looks like one.
        let stale = ["tasks/.t1.yaml.tmp-99999", "contexts/agents/dev/.c0.yaml.tmp-4242", "memory/.key_1.yaml.tmp-7"]
        for path in stale {
            let file = tree.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("half written".utf8).write(to: file)
        }
        let someoneElses = tree.appendingPathComponent("tasks/.notes.tmp-draft")
        try Data("mine".utf8).write(to: someoneElses)

        let last = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "")
        #expect(last.status == 0, "\(last.stderr)")
        #expect(
            !last.stderr.contains("kept beside") && !last.stderr.contains("edit") && !last.stderr.contains("was deleted"), "\(last.stderr)")
        let all = try YAMLReplayTests.files(under: tree).keys
        let temporaries = all.filter { $0.contains(".yaml.tmp-") }
        #expect(temporaries.isEmpty, "temporary files left: \(temporaries)")
        #expect(all.contains("tasks/.notes.tmp-draft"), "a file that is not a temporary of chronicle's was removed")
        #expect(all.filter { $0.contains(".rejected-") }.isEmpty, "own files kept aside: \(all.filter { $0.contains(".rejected-") })")
        let fresh = work.appendingPathComponent("fresh")
        #expect(try ChronicleBinary.run(["replay", "yaml", fresh.path, "--db", db], input: "").status == 0)
        try FileManager.default.removeItem(at: someoneElses)
        let projected = try ProjectYAMLTests.view(tree)
        let rebuilt = try ProjectYAMLTests.view(fresh)
        let differing = Set(projected.keys).union(rebuilt.keys).filter { projected[$0] != rebuilt[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.count) files differ from a fresh replay, e.g. \(differing.prefix(5))")
    }
}
