import ChronicleProjection
import ChronicleTesting
import Foundation
import Testing

/// A tree written by an older version of the view: `project yaml` rebuilds it beside DIR and
/// swaps it in at once. A reader polling the tree all along never reads one file of each
/// version in one pass, and what chronicle did not write (a git repository, notes, a kept
/// copy) is still there, byte for byte.
@Suite struct VersionSwapTests {
    @Test func aReaderNeverSeesTwoVersionsAndTheGitRepositorySurvives() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        var input = ""
        for t in 0..<1_500 {
            input +=
                "{\"cmd\":\"task.create\",\"id\":\"t\(t)\",\"title\":\"Task \(t)\",\"intent\":\"feature\",\"complexity\":\"low\",\"context_cascade\":\"agents/c\(t % 5)\"}\n"
        }
        input += "ms:theme|dark|semantic\n"
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input).status == 0)
        #expect(try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "").status == 0)

        // As version 0 of the view would have left it: every file of its own marked, its
        // manifest saying so, its checkpoint naming version 0.
        let own = try ProjectYAMLTests.view(tree).keys.sorted()
        var manifest = ""
        for path in own {
            let url = tree.appendingPathComponent(path)
            let old = Data("# version 0\n".utf8) + (try Data(contentsOf: url))
            try old.write(to: url)
            manifest += "\(Manifest.digest(Array(old)))  \(path)\n"
        }
        try Data(manifest.utf8).write(to: tree.appendingPathComponent(".chronicle/manifest.sha256"))
        let checkpoint = tree.appendingPathComponent(".chronicle/checkpoint.json")
        let stored = try String(contentsOf: checkpoint, encoding: .utf8)
        #expect(stored.contains("\"version\":1"))
        try Data(stored.replacingOccurrences(of: "\"version\":1", with: "\"version\":0").utf8).write(to: checkpoint)
        // And what is not chronicle's.
        let foreign = [
            ".git/HEAD": "ref: refs/heads/main\n", ".git/objects/ab/cdef": "blob", "NOTES.md": "mine\n",
            "tasks/README.txt": "what these are\n", "tasks/t1.yaml.rejected-2025-01-01T000000Z": "# kept\nold text\n",
            "contexts/agents/notes.txt": "context notes\n",
        ]
        for (path, text) in foreign {
            let url = tree.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        let reader = Reader(tree: tree.path, files: own)
        let thread = Thread { reader.run() }
        thread.start()
        while reader.passes.old < 3 { usleep(1_000) }
        let rebuilt = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "")
        let deadline = Date().addingTimeInterval(10)
        while reader.passes.new < 3, Date() < deadline { usleep(1_000) }
        reader.stop()
        while !reader.stopped { usleep(1_000) }

        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(rebuilt.stderr.contains("rebuilt as version 1"), "\(rebuilt.stderr)")
        let passes = reader.passes
        #expect(passes.mixed == 0, "\(passes.mixed) passes read files of both versions (\(passes.first ?? ""))")
        #expect(passes.old >= 3 && passes.new >= 3, "old \(passes.old), new \(passes.new)")
        // Chronicle's files are the new version's, whole: what a fresh replay builds.
        let fresh = work.appendingPathComponent("fresh")
        #expect(try ChronicleBinary.run(["replay", "yaml", fresh.path, "--db", db], input: "").status == 0)
        let now = try ProjectYAMLTests.view(tree).filter { foreign[$0.key] == nil }
        #expect(now == (try ProjectYAMLTests.view(fresh)))
        #expect(try String(contentsOf: checkpoint, encoding: .utf8).contains("\"version\":1"))
        for (path, text) in foreign {
            #expect((try? String(contentsOf: tree.appendingPathComponent(path), encoding: .utf8)) == text, "\(path) did not survive")
        }
        let siblings = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains(".rebuild-") }
        #expect(siblings.isEmpty, "\(siblings)")
    }

    /// A rebuild killed after its exchange leaves the old tree beside DIR, with what was not
    /// chronicle's still in it: the next run moves that back into DIR and removes the rest. A
    /// directory of the side's name that holds no tree of chronicle's is left alone.
    @Test func aRebuildKilledAfterTheExchangeIsFinishedByTheNextRun() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree")
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "tc:Ship it|feature|low\nms:k|v|semantic\n").status == 0)
        #expect(try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "").status == 0)
        // The old tree as the killed run left it beside DIR: chronicle's files, and what was not.
        let side = work.appendingPathComponent("tree.rebuild-4242")
        #expect(try ChronicleBinary.run(["project", "yaml", side.path, "--db", db], input: "").status == 0)
        let foreign = [".git/HEAD": "ref: refs/heads/main\n", "NOTES.md": "mine\n", "tasks/README.txt": "what these are\n"]
        for (path, text) in foreign {
            let url = side.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let notOurs = work.appendingPathComponent("tree.rebuild-999")
        try FileManager.default.createDirectory(at: notOurs, withIntermediateDirectories: true)
        try Data("someone's\n".utf8).write(to: notOurs.appendingPathComponent("file"))

        let run = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: side.path))
        for (path, text) in foreign {
            #expect((try? String(contentsOf: tree.appendingPathComponent(path), encoding: .utf8)) == text, "\(path) was not moved back")
        }
        #expect((try? String(contentsOf: notOurs.appendingPathComponent("file"), encoding: .utf8)) == "someone's\n")
        #expect(run.stderr.contains("tree.rebuild-999"), "\(run.stderr)")
    }

    /// Reads every file of the tree in passes, each through one descriptor of DIR opened at the
    /// pass's start (as a reader that `cd`s into the tree does), and counts the passes whose files
    /// were all of the old version, all of the new, or of both.
    final class Reader: @unchecked Sendable {  // counters under `lock`; the thread reads, the test polls
        struct Passes {
            var old = 0
            var new = 0
            var mixed = 0
            var first: String?
        }
        let tree: String
        let files: [String]
        private let lock = NSLock()
        private var counts = Passes()
        private var stopping = false
        private var done = false

        init(tree: String, files: [String]) {
            self.tree = tree
            self.files = files
        }

        var passes: Passes { lock.withLock { counts } }
        var stopped: Bool { lock.withLock { done } }
        func stop() { lock.withLock { stopping = true } }

        func run() {
            let marker = Array("# version 0\n".utf8)
            while !lock.withLock({ stopping }) {
                let dir = open(tree, O_RDONLY | O_DIRECTORY)
                guard dir >= 0 else {
                    lock.withLock {
                        counts.mixed += 1
                        counts.first = counts.first ?? "no tree at all"
                    }
                    continue
                }
                var marked = 0, unmarked = 0, missing: String?
                var buffer = [UInt8](repeating: 0, count: marker.count)
                for path in files {
                    let fd = openat(dir, path, O_RDONLY)
                    guard fd >= 0 else {
                        missing = missing ?? path
                        continue
                    }
                    let n = read(fd, &buffer, buffer.count)
                    close(fd)
                    if n == marker.count && buffer == marker { marked += 1 } else { unmarked += 1 }
                }
                close(dir)
                lock.withLock {
                    if missing == nil && unmarked == 0 {
                        counts.old += 1
                    } else if missing == nil && marked == 0 {
                        counts.new += 1
                    } else {
                        counts.mixed += 1
                        counts.first = counts.first ?? "\(marked) old, \(unmarked) new, first missing \(missing ?? "none")"
                    }
                }
            }
            lock.withLock { done = true }
        }
    }
}
