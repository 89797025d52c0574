import ChronicleProjection
import ChronicleTesting
import Foundation
import Testing

/// Two-way YAML trees through the real binary: a person's edits of task, memory and workflow
/// files become commands in the log (marked as the file's), new files create entities, and
/// every refusal leaves the log as it was, the person's text kept beside the file, and the file
/// put back.
@Suite struct TreeEditTests {
    /// A log with a task, a memory key and two workflows, and its tree.
    struct Fixture {
        let work: URL
        let db: String
        let tree: URL

        init() throws {
            work = try TestLog.temporaryDirectory()
            db = work.appendingPathComponent("log.db").path
            tree = work.appendingPathComponent("tree")
            let seed = """
                {"cmd":"task.create","id":"t1","title":"Login form","intent":"feature","complexity":"medium","context_cascade":"agents/dev/backend"}
                ms:theme|dark|semantic
                {"cmd":"workflow.start","workflow":"release","id":"w1","params":{"v":"1"}}
                {"cmd":"workflow.start","workflow":"release","id":"w2","params":{"v":"2"}}

                """
            #expect(try run(["append"], input: seed).status == 0)
            #expect(try run(["project", "yaml", tree.path]).status == 0)
        }

        @discardableResult
        func run(_ args: [String], input: String = "") throws -> ChronicleBinary.Result {
            try ChronicleBinary.run(args + ["--db", db], input: input, environment: fixedClock)
        }

        func read(_ path: String) throws -> String { try String(contentsOf: tree.appendingPathComponent(path), encoding: .utf8) }

        func write(_ path: String, _ text: String) throws {
            let url = tree.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        /// The log's size and chain head, as `verify` reports them.
        func head() throws -> String {
            let verified = try run(["verify", "--format", "json"])
            guard let json = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any] else { return "" }
            return "\(json["events"] ?? "?") \(json["head_hash"] ?? "?")"
        }

        /// The tail's lines (`ev:SEQ|STREAM|REV|TYPE|VALID|RECORDED|COMMAND|PAYLOAD`).
        func events() throws -> [[Substring]] {
            try run(["tail"]).stdout.split(separator: "\n").map { $0.split(separator: "|", maxSplits: 7) }
        }

        func rejected(under directory: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: tree.appendingPathComponent(directory).path).filter {
                $0.contains(".rejected-")
            }.sorted()
        }
    }

    @Test func acceptedEditsBecomeCommandsMarkedAsTheFiles() throws {
        let f = try Fixture()
        let before = try f.events().count
        try f.write(
            "tasks/t1.yaml",
            try f.read("tasks/t1.yaml").replacingOccurrences(of: "title: Login form", with: "title: Login form v2")
                .replacingOccurrences(of: "keywords: []", with: "keywords:\n- auth\n- ui")
                .replacingOccurrences(of: "status: pending", with: "status: in_progress")
                .replacingOccurrences(of: "progress: 0\n", with: "progress: 0.25\n")
                + "# a comment of mine\n")
        try f.write(
            "memory/theme.yaml",
            try f.read("memory/theme.yaml").replacingOccurrences(of: "value: dark", with: "value:\n  mode: light\n  contrast: 2")
                .replacingOccurrences(of: "memory_type: semantic", with: "memory_type: episodic"))
        try f.write(
            "workflows/w1.yaml",
            try f.read("workflows/w1.yaml").replacingOccurrences(of: "status: running", with: "status: cancelled\ncancel_reason: postponed")
        )
        try f.write(
            "workflows/w2.yaml",
            try f.read("workflows/w2.yaml").replacingOccurrences(of: "status: running", with: "status: completed\nresult: shipped"))
        try f.write("tasks/t2.yaml", "title: Logout button\nintent: feature\ncomplexity: low\nkeywords: [ui]\n")
        try f.write("memory/editor.yaml", "value: vim\nmemory_type: procedural\n")

        let projected = try f.run(["project", "yaml", f.tree.path])
        #expect(projected.status == 0, "\(projected.stderr)")
        for file in ["tasks/t1.yaml", "memory/theme.yaml", "workflows/w1.yaml", "workflows/w2.yaml", "tasks/t2.yaml", "memory/editor.yaml"]
        {
            #expect(projected.stderr.contains("\(file): edit taken"), "\(file): \(projected.stderr)")
        }
        // Each change is in the log, marked as the file's, and in what query answers.
        let appended = try f.events().dropFirst(before)
        #expect(
            appended.map { String($0[3]) } == [
                "memory.stored", "memory.stored", "task.updated", "task.status_changed", "task.created", "workflow.cancelled",
                "workflow.completed",
            ])
        #expect(appended.allSatisfy { $0[6].hasPrefix("file-") }, "\(appended.map { $0[6] })")
        let task = try f.run(["query", "task", "t1", "--format", "json"]).stdout
        for expected in [
            "\"title\":\"Login form v2\"", "\"status\":\"in_progress\"", "\"progress\":0.25", "\"keywords\":[\"auth\",\"ui\"]",
        ] {
            #expect(task.contains(expected), "\(task)")
        }
        let theme = try f.run(["query", "memory", "theme", "--format", "json"]).stdout
        #expect(
            theme.contains("\"value\":{\"mode\":\"light\",\"contrast\":2}") && theme.contains("\"memory_type\":\"episodic\""), "\(theme)")
        #expect(try f.run(["query", "workflow", "w1", "--format", "json"]).stdout.contains("\"cancel_reason\":\"postponed\""))
        #expect(try f.run(["query", "workflow", "w2", "--format", "json"]).stdout.contains("\"result\":\"shipped\""))
        #expect(try f.run(["query", "task", "t2"]).status == 0)
        #expect(try f.run(["query", "memory", "editor", "--format", "json"]).stdout.contains("\"memory_type\":\"procedural\""))

        // The files are rewritten in canonical form: the tree a fresh replay builds, nothing kept aside.
        let fresh = f.work.appendingPathComponent("fresh")
        #expect(try f.run(["replay", "yaml", fresh.path]).status == 0)
        #expect(try ProjectYAMLTests.view(f.tree) == (try ProjectYAMLTests.view(fresh)))
        #expect(try f.rejected(under: "tasks") + f.rejected(under: "memory") + f.rejected(under: "workflows") == [])
        // Read once: another run appends nothing.
        let count = try f.events().count
        #expect(try f.run(["project", "yaml", f.tree.path]).status == 0)
        #expect(try f.events().count == count)
    }

    /// One refused edit: the file it changes and how, and a part of the reason.
    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let path: String
        let edit: @Sendable (String) -> String
        let reason: String
        /// Commands appended before the edit is made (after the file was written).
        var before = ""
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "invalid YAML", path: "tasks/t1.yaml", edit: { $0.replacingOccurrences(of: "keywords: []", with: "keywords: [a, b") },
            reason: "line 10, column 9: not valid YAML"),
        Refusal(name: "unknown field", path: "tasks/t1.yaml", edit: { $0 + "owner: me\n" }, reason: "unknown field 'owner'"),
        Refusal(
            name: "mistyped field", path: "tasks/t1.yaml",
            edit: { $0.replacingOccurrences(of: "confidence: 0.75", with: "confidence: high") }, reason: "confidence"),
        Refusal(
            name: "read-only field", path: "memory/theme.yaml", edit: { $0.replacingOccurrences(of: "version: 1", with: "version: 7") },
            reason: "version is set by the log"),
        Refusal(
            name: "removed field", path: "tasks/t1.yaml", edit: { $0.replacingOccurrences(of: "intent: feature\n", with: "") },
            reason: "intent was removed"),
        Refusal(
            name: "impossible change", path: "tasks/t1.yaml",
            edit: { $0.replacingOccurrences(of: "status: completed", with: "status: pending") },
            reason: "status completed → pending is impossible", before: "su:t1|in_progress|0.5\n{\"cmd\":\"task.complete\",\"id\":\"t1\"}\n"
        ),
        Refusal(
            name: "final workflow", path: "workflows/w1.yaml",
            edit: { $0.replacingOccurrences(of: "status: cancelled", with: "status: running") },
            reason: "status cancelled → running is impossible", before: "{\"cmd\":\"workflow.cancel\",\"id\":\"w1\"}\n"),
        Refusal(
            name: "derived file", path: "contexts/agents/dev/backend.yaml",
            edit: { $0.replacingOccurrences(of: "status: pending", with: "status: completed") }, reason: "read-only"),
        Refusal(name: "not a mapping", path: "memory/theme.yaml", edit: { _ in "- just\n- a list\n" }, reason: "not a mapping"),
    ]

    @Test(arguments: refusals)
    func aRefusedEditLeavesTheLogAsItWasAndKeepsTheText(_ refusal: Refusal) throws {
        let f = try Fixture()
        if !refusal.before.isEmpty {
            #expect(try f.run(["append"], input: refusal.before).status == 0)
            #expect(try f.run(["project", "yaml", f.tree.path]).status == 0)
        }
        let original = try f.read(refusal.path)
        let edited = refusal.edit(original)
        #expect(edited != original, "the case's edit changes nothing")
        try f.write(refusal.path, edited)
        let head = try f.head()

        let projected = try f.run(["project", "yaml", f.tree.path])
        #expect(projected.status == 0, "\(projected.stderr)")
        #expect(projected.stderr.contains("edit refused") && projected.stderr.contains(refusal.reason), "\(projected.stderr)")
        #expect(try f.head() == head, "the log changed")
        #expect(try f.read(refusal.path) == original, "the file was not put back")
        let directory = (refusal.path as NSString).deletingLastPathComponent
        let kept = try f.rejected(under: directory)
        #expect(kept.count == 1)
        if let copy = kept.first {
            let text = try f.read(directory + "/" + copy)
            #expect(text.hasPrefix("# Refused by chronicle: ") && text.contains(refusal.reason))
            #expect(text.hasSuffix(edited), "the person's text is not kept whole")
        }
        // Read once: the next run refuses nothing more, and keeps no second copy.
        #expect(!(try f.run(["project", "yaml", f.tree.path]).stderr.contains("refused")))
        #expect(try f.rejected(under: directory).count == 1)
    }

    /// An edit made from a revision someone else changed since is refused, not merged.
    @Test func anEditOfAnOldRevisionIsRefused() throws {
        let f = try Fixture()
        let original = try f.read("tasks/t1.yaml")
        #expect(try f.run(["append"], input: "su:t1|in_progress|0.5\n").status == 0)
        #expect(try f.run(["project", "yaml", f.tree.path]).status == 0)
        let current = try f.read("tasks/t1.yaml")
        // The person's editor still holds the old text, and saves it with a new title.
        try f.write("tasks/t1.yaml", original.replacingOccurrences(of: "title: Login form", with: "title: Mine"))
        let head = try f.head()
        let projected = try f.run(["project", "yaml", f.tree.path])
        #expect(projected.stderr.contains("edited from revision 1, but task 't1' is at revision 2"), "\(projected.stderr)")
        #expect(try f.head() == head)
        #expect(try f.read("tasks/t1.yaml") == current)
        #expect(try f.rejected(under: "tasks").count == 1)
    }

    /// A new file that cannot create its entity is refused: the log as it was, the text kept
    /// aside, and the file gone (there is nothing to put back).
    @Test func aRefusedNewFileIsMovedAside() throws {
        let f = try Fixture()
        let head = try f.head()
        try f.write("tasks/t9.yaml", "title: No intent\ncomplexity: low\n")
        try f.write("memory/k9.yaml", "value: 1\nrevision: 3\n")
        let projected = try f.run(["project", "yaml", f.tree.path])
        #expect(projected.stderr.contains("tasks/t9.yaml: edit refused: task.create needs \"intent\""), "\(projected.stderr)")
        #expect(
            projected.stderr.contains("memory/k9.yaml: edit refused: line 2, column 1: memory key 'k9' does not exist"),
            "\(projected.stderr)")
        #expect(try f.head() == head)
        #expect(!FileManager.default.fileExists(atPath: f.tree.appendingPathComponent("tasks/t9.yaml").path))
        #expect(try f.rejected(under: "tasks").count == 1 && (try f.rejected(under: "memory")).count == 1)
        #expect(try f.run(["query", "task", "t9"]).status == 1)
    }

    /// A projector killed after appending an edit's commands but before rewriting the file (its
    /// journal says the text is read): the next run appends nothing twice, refuses nothing, and
    /// rewrites the file. The same old text saved again later, though, is an edit of an old
    /// revision, and refused.
    @Test func anEditTakenIsNotReadTwice() throws {
        let f = try Fixture()
        let edited = try f.read("memory/theme.yaml").replacingOccurrences(of: "value: dark", with: "value: light")
        try f.write("memory/theme.yaml", edited)
        #expect(try f.run(["project", "yaml", f.tree.path]).stderr.contains("edit taken"))
        let count = try f.events().count
        let canonical = try f.read("memory/theme.yaml")
        // As the killed run left it: the edited text in place, its digest in the journal.
        try f.write("memory/theme.yaml", edited)
        let journal = f.tree.appendingPathComponent(".chronicle/journal.sha256")
        try Data("\(Manifest.digest(Array(edited.utf8)))  memory/theme.yaml\n".utf8).write(to: journal)
        let again = try f.run(["project", "yaml", f.tree.path])
        #expect(!again.stderr.contains("refused") && !again.stderr.contains("edit"), "\(again.stderr)")
        #expect(try f.events().count == count)
        #expect(try f.read("memory/theme.yaml") == canonical)
        #expect(try f.rejected(under: "memory") == [])

        try f.write("memory/theme.yaml", edited)
        let stale = try f.run(["project", "yaml", f.tree.path])
        #expect(stale.stderr.contains("edited from revision 1, but memory key 'theme' is at revision 2"), "\(stale.stderr)")
        #expect(try f.events().count == count)
    }

    /// A key forgotten and made again from the very same text is made again (its command is
    /// not taken for the first one's).
    @Test func theSameTextAgainAfterAForgetMakesTheKeyAgain() throws {
        let f = try Fixture()
        let text = "value: x\n"
        try f.write("memory/k.yaml", text)
        #expect(try f.run(["project", "yaml", f.tree.path]).stderr.contains("memory/k.yaml: edit taken"))
        #expect(try f.run(["append"], input: "{\"cmd\":\"memory.forget\",\"key\":\"k\"}\n").status == 0)
        #expect(try f.run(["project", "yaml", f.tree.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: f.tree.appendingPathComponent("memory/k.yaml").path))
        try f.write("memory/k.yaml", text)
        let again = try f.run(["project", "yaml", f.tree.path])
        #expect(again.stderr.contains("memory/k.yaml: edit taken"), "\(again.stderr)")
        #expect(try f.run(["query", "memory", "k"]).status == 0)
    }

    /// While `project yaml --follow` runs: an edit written in place, one an editor writes to a
    /// temporary file and renames over the file (with its swap file beside), a deleted file,
    /// and a refused edit, each handled as it happens.
    @Test func editsWhileFollowing() throws {
        let f = try Fixture()
        let projector = Process()
        projector.executableURL = ChronicleBinary.url
        projector.arguments = ["project", "yaml", f.tree.path, "--db", f.db, "--follow"]
        projector.environment = ProcessInfo.processInfo.environment.merging(fixedClock) { $1 }
        let errors = Pipe()
        projector.standardError = errors
        try projector.run()
        defer { if projector.isRunning { projector.terminate() } }
        let fd = errors.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var said = ""
        /// Reads the projector's stderr until it says `what` (10 s at most).
        func waitFor(_ what: String) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while !said.contains(what), Date() < deadline {
                var buffer = [UInt8](repeating: 0, count: 4_096)
                let n = read(fd, &buffer, buffer.count)
                if n > 0 { said += String(decoding: buffer[..<n], as: UTF8.self) } else { usleep(5_000) }
            }
            return said.contains(what)
        }
        #expect(waitFor("up to #4"), "\(said)")
        // Following (its watch begun) once its heartbeat says so.
        let heartbeat = f.tree.appendingPathComponent(".chronicle/heartbeat.json")
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOf: heartbeat, encoding: .utf8))?.contains("\"following\"") != true, Date() < deadline { usleep(5_000) }
        // In place.
        let task = f.tree.appendingPathComponent("tasks/t1.yaml")
        let handle = try FileHandle(forUpdating: task)
        let text = try f.read("tasks/t1.yaml").replacingOccurrences(of: "complexity: medium", with: "complexity: high")
        try handle.truncate(atOffset: 0)
        // A slow writer: half the text, a pause longer than the quiet period, the rest. The
        // file is read once closed, not half written.
        let bytes = Data(text.utf8)
        try handle.write(contentsOf: bytes.prefix(bytes.count / 2))
        usleep(150_000)
        try handle.write(contentsOf: bytes.dropFirst(bytes.count / 2))
        try handle.close()
        #expect(waitFor("tasks/t1.yaml: edit taken"), "\(said)")
        // As an editor saves: a swap file, a temporary file renamed over the file.
        try f.write("memory/.theme.yaml.swp", "swap")
        try f.write("memory/theme.yaml~", "backup")
        let renamed = try f.read("memory/theme.yaml").replacingOccurrences(of: "value: dark", with: "value: light")
        try f.write("memory/theme.yaml.tmp1234", renamed)
        #expect(
            rename(f.tree.appendingPathComponent("memory/theme.yaml.tmp1234").path, f.tree.appendingPathComponent("memory/theme.yaml").path)
                == 0)
        #expect(waitFor("memory/theme.yaml: edit taken"), "\(said)")
        // Deleted: put back.
        try FileManager.default.removeItem(at: f.tree.appendingPathComponent("workflows/w2.yaml"))
        #expect(waitFor("workflows/w2.yaml was deleted; restored"), "\(said)")
        // Refused: kept aside, put back.
        try f.write(
            "workflows/w1.yaml", try f.read("workflows/w1.yaml").replacingOccurrences(of: "workflow: release", with: "workflow: other"))
        #expect(waitFor("workflows/w1.yaml: edit refused: line 2, column 1: workflow is set by the log"), "\(said)")

        projector.interrupt()
        projector.waitUntilExit()
        #expect(projector.terminationStatus == 0)
        #expect(try f.run(["query", "task", "t1", "--format", "json"]).stdout.contains("\"complexity\":\"high\""))
        #expect(try f.run(["query", "memory", "theme", "--format", "json"]).stdout.contains("\"value\":\"light\""))
        #expect(try f.rejected(under: "workflows").count == 1)
        #expect(try f.read("memory/.theme.yaml.swp") == "swap" && (try f.read("memory/theme.yaml~")) == "backup")
        // What it left is what a fresh replay builds.
        let fresh = f.work.appendingPathComponent("fresh")
        #expect(try f.run(["replay", "yaml", fresh.path]).status == 0)
        let view = try ProjectYAMLTests.view(f.tree).filter { !$0.key.hasSuffix(".swp") && !$0.key.hasSuffix("~") }
        #expect(view == (try ProjectYAMLTests.view(fresh)))
    }
}
