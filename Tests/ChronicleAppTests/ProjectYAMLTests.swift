import ChronicleTesting
import Foundation
import Testing

/// `chronicle project yaml` through the built binary: a tree brought up to the log in batches
/// is, file for file and byte for byte, the tree `replay yaml` builds fresh; and the tree's
/// guards (another log, files it did not write, hand edits, deleted files).
@Suite struct ProjectYAMLTests {
    /// The tree's files, without its `.chronicle/` bookkeeping and anything it did not write.
    static func view(_ dir: URL) throws -> [String: Data] {
        try YAMLReplayTests.files(under: dir).filter {
            !$0.key.hasPrefix(".chronicle/") && !$0.key.hasPrefix(".git/") && !$0.key.contains(".rejected-")
        }
    }

    /// Random histories with late and future-dated values, task status changes, forgotten keys
    /// and retractions, appended in batches of random sizes; after each batch the projected tree
    /// equals a fresh replay.
    @Test(arguments: [1, 2, 3, 4])
    func catchingUpInBatchesGivesWhatAFreshReplayGives(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 104_729)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        var seq = 0
        for round in 0..<6 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...25, using: &random) {
                let k = Int.random(in: 0..<6, using: &random)
                switch Int.random(in: 0..<7, using: &random) {
                case 0: lines.append("ms:key_\(k)|v\(round)_\(lines.count)|semantic")
                case 1: lines.append("[valid=2025-05-\(10 + k)T00:00:00Z] ms:key_\(k)|late_\(round)|episodic")
                case 2: lines.append("[valid=2025-07-01T00:00:00Z] ms:key_\(k)|future_\(round)|semantic")
                case 3: lines.append("{\"cmd\":\"memory.forget\",\"key\":\"key_\(k)\"}")
                case 4:
                    lines.append(
                        "{\"cmd\":\"task.create\",\"id\":\"t\(k)\",\"title\":\"Task \(k)\",\"intent\":\"feature\",\"complexity\":\"low\",\"context_cascade\":\"agents/dev/c\(k % 2)\"}"
                    )
                case 5: lines.append("su:t\(k)|in_progress|0.\(Int.random(in: 1...9, using: &random))")
                default: if seq > 0 { lines.append("{\"cmd\":\"event.retract\",\"seq\":\(Int.random(in: 1...seq, using: &random))}") }
                }
            }
            let appended = try ChronicleBinary.run(
                ["append", "--db", db], input: lines.joined(separator: "\n") + "\n", environment: fixedClock)
            #expect(appended.status == 0, "stderr: \(appended.stderr)")
            seq += appended.stdout.split(separator: "\n").filter { !$0.hasPrefix("er:") }.count
            let projected = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "", environment: fixedClock)
            #expect(projected.status == 0, "stderr: \(projected.stderr)")
            let fresh = work.appendingPathComponent("fresh-\(round)")
            #expect(try ChronicleBinary.run(["replay", "yaml", fresh.path, "--db", db], input: "", environment: fixedClock).status == 0)
            let expected = try Self.view(fresh)
            let got = try Self.view(tree)
            #expect(got.keys.sorted() == expected.keys.sorted(), "seed \(seed) round \(round)")
            // Nothing of chronicle's own is ever taken for a hand edit.
            #expect(try YAMLReplayTests.files(under: tree).keys.filter { $0.contains(".rejected-") } == [], "seed \(seed) round \(round)")
            for (path, bytes) in expected { #expect(got[path] == bytes, "seed \(seed) round \(round): \(path)") }
        }
    }

    @Test func theTreeKeepsWhatItDidNotWriteAndRefusesAnotherLog() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("ref: refs/heads/main\n".utf8).write(to: tree.appendingPathComponent(".git/HEAD"))
        try Data("mine\n".utf8).write(to: tree.appendingPathComponent("NOTES.md"))
        func run(_ args: [String], input: String = "", db: String = db) throws -> ChronicleBinary.Result {
            try ChronicleBinary.run(args + ["--db", db], input: input, environment: fixedClock)
        }
        #expect(try run(["append"], input: "ms:k|v1|semantic\ntc:Ship it|feature|low\n").status == 0)
        #expect(try run(["project", "yaml", tree.path]).status == 0)
        let task = tree.appendingPathComponent("tasks/ship_it_001.yaml")
        let original = try String(contentsOf: task, encoding: .utf8)

        // A hand edit is kept aside (this version does not read edits) and the file rewritten.
        try Data((original + "note: mine\n").utf8).write(to: task)
        // A deleted file comes back; a forgotten key's file goes.
        try FileManager.default.removeItem(at: tree.appendingPathComponent("memory/k.yaml"))
        let restored = try run(["project", "yaml", tree.path])
        #expect(restored.status == 0)
        #expect(restored.stderr.contains("restored from the log"))
        #expect(FileManager.default.fileExists(atPath: tree.appendingPathComponent("memory/k.yaml").path))
        #expect(try String(contentsOf: task, encoding: .utf8) == original)
        let kept = try FileManager.default.contentsOfDirectory(atPath: tree.appendingPathComponent("tasks").path).filter {
            $0.contains(".rejected-")
        }
        #expect(kept.count == 1)
        if let name = kept.first {
            #expect(
                try String(contentsOf: tree.appendingPathComponent("tasks/\(name)"), encoding: .utf8).hasSuffix(original + "note: mine\n"))
        }
        #expect(try run(["append"], input: "{\"cmd\":\"memory.forget\",\"key\":\"k\"}\n").status == 0)
        #expect(try run(["project", "yaml", tree.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: tree.appendingPathComponent("memory/k.yaml").path))

        // Another log's tree is refused, and left as it was.
        let before = try YAMLReplayTests.files(under: tree)
        let other = work.appendingPathComponent("other.db").path
        #expect(try run(["append"], input: "ms:z|1|semantic\n", db: other).status == 0)
        let refused = try run(["project", "yaml", tree.path], db: other)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("holds the view of log"))
        #expect(try YAMLReplayTests.files(under: tree) == before)
        #expect(before[".git/HEAD"] == Data("ref: refs/heads/main\n".utf8))
        #expect(before["NOTES.md"] == Data("mine\n".utf8))
    }

    /// A run killed after writing a file's new bytes but before its manifest: the next run
    /// finds the file already right and keeps no copy of it. A file at one of the tree's paths
    /// that chronicle never wrote is kept aside before it is replaced.
    @Test func aKilledRunsFilesAreNotTakenForEditsAndForeignFilesAreKept() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        func run(_ args: [String], input: String = "") throws -> ChronicleBinary.Result {
            try ChronicleBinary.run(args + ["--db", db], input: input, environment: fixedClock)
        }
        #expect(try run(["append"], input: "ms:k|v1|semantic\n").status == 0)
        #expect(try run(["project", "yaml", tree.path]).status == 0)
        #expect(try run(["append"], input: "ms:k|v2|semantic\n").status == 0)
        // As the killed run left it: the new bytes in place, the manifest still the old one.
        let fresh = work.appendingPathComponent("fresh")
        #expect(try run(["replay", "yaml", fresh.path]).status == 0)
        try FileManager.default.removeItem(at: tree.appendingPathComponent("memory/k.yaml"))
        try FileManager.default.copyItem(
            at: fresh.appendingPathComponent("memory/k.yaml"), to: tree.appendingPathComponent("memory/k.yaml"))
        // And a file chronicle never wrote, where the next task's file goes.
        try Data("my own notes\n".utf8).write(to: tree.appendingPathComponent("tasks-placeholder"))
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("tasks"), withIntermediateDirectories: true)
        try Data("my own notes\n".utf8).write(to: tree.appendingPathComponent("tasks/ship_it_001.yaml"))
        #expect(try run(["append"], input: "tc:Ship it|feature|low\n").status == 0)
        let caught = try run(["project", "yaml", tree.path])
        #expect(caught.status == 0, "stderr: \(caught.stderr)")
        let files = try YAMLReplayTests.files(under: tree)
        #expect(files.keys.filter { $0.hasPrefix("memory/") } == ["memory/k.yaml"])
        let kept = files.keys.filter { $0.hasPrefix("tasks/ship_it_001.yaml.rejected-") }
        #expect(kept.count == 1)
        if let name = kept.first { #expect(String(decoding: files[name]!, as: UTF8.self).hasSuffix("my own notes\n")) }
        let again = work.appendingPathComponent("again")
        #expect(try run(["replay", "yaml", again.path]).status == 0)
        #expect(try Self.view(tree).filter { $0.key != "tasks-placeholder" } == (try Self.view(again)))
    }
}
