import ChronicleTesting
import Foundation
import Testing

/// `chronicle replay yaml` through the built binary: the golden tree of the seed examples, a
/// tree as of a past point, and a directory that is never written over.
/// Re-record the golden tree with `CHRONICLE_RECORD_GOLDEN=1 swift test`.
@Suite struct YAMLReplayTests {
    /// Every file under `root`, by relative path, with its bytes.
    static func files(under root: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let base = root.resolvingSymlinksInPath().path
        guard let walk = FileManager.default.enumerator(atPath: base) else { return out }
        while let relative = walk.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = base + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return out
    }

    @Test func theSeedExamplesGiveTheGoldenTree() throws {
        let fixture = packageRoot.appendingPathComponent("replay-fixtures/seed-examples")
        let input = try String(contentsOf: fixture.appendingPathComponent("commands.txt"), encoding: .utf8)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        let tree = work.appendingPathComponent("tree")
        let result = try ChronicleBinary.run(["replay", "yaml", tree.path, "--db", db], input: "", environment: fixedClock)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let built = try Self.files(under: tree)
        let golden = fixture.appendingPathComponent("yaml-tree")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: golden)
            for (relative, bytes) in built {
                let target = golden.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try bytes.write(to: target)
            }
            return
        }
        let expected = try Self.files(under: golden)
        #expect(!expected.isEmpty)
        #expect(built.keys.sorted() == expected.keys.sorted())
        for (relative, bytes) in expected { #expect(built[relative] == bytes, "\(relative) differs from its golden file") }
        // Nothing of the build is left beside the tree.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains("partial") } == [])
    }

    /// As known at an earlier position the tree holds what the log believed then: the first
    /// value of a key, then the second; once the key is forgotten its file is gone.
    @Test func aTreeAsOfAPastPointHoldsWhatWasBelievedThen() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let input = "ms:k|v1|semantic\nms:k|v2|semantic\ntc:Ship it|feature|low\n{\"cmd\":\"memory.forget\",\"key\":\"k\"}\n"
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        func tree(_ args: [String], _ name: String) throws -> [String: Data] {
            let dir = work.appendingPathComponent(name)
            let result = try ChronicleBinary.run(["replay", "yaml", dir.path, "--db", db] + args, input: "", environment: fixedClock)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            return try Self.files(under: dir)
        }
        let first = try tree(["--known-at", "#1"], "at1")
        #expect(first.keys.sorted() == ["memory/k.yaml"])
        #expect(String(decoding: first["memory/k.yaml"] ?? Data(), as: UTF8.self).contains("value: v1\n"))
        let second = try tree(["--known-at", "#3"], "at3")
        #expect(second.keys.sorted() == ["memory/k.yaml", "tasks/ship_it_001.yaml"])
        #expect(String(decoding: second["memory/k.yaml"] ?? Data(), as: UTF8.self).contains("value: v2\n"))
        let now = try tree([], "now")
        #expect(now.keys.sorted() == ["tasks/ship_it_001.yaml"])
        #expect(now["tasks/ship_it_001.yaml"] == second["tasks/ship_it_001.yaml"])
    }

    /// A directory with anything in it is refused (status 1) and left as it was; an empty one
    /// is filled.
    @Test func aReplayNeverWritesOverADirectory() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n", environment: fixedClock).status == 0)
        let full = work.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: full.appendingPathComponent("notes.txt"))
        let refused = try ChronicleBinary.run(["replay", "yaml", full.path, "--db", db], input: "", environment: fixedClock)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is not empty"))
        #expect(try Self.files(under: full) == ["notes.txt": Data("mine\n".utf8)])
        let empty = work.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(try ChronicleBinary.run(["replay", "yaml", empty.path, "--db", db], input: "", environment: fixedClock).status == 0)
        #expect(try Self.files(under: empty).keys.sorted() == ["memory/k.yaml"])
    }

    /// Ids that differ only in case (`Auth`, `auth`) have two files with their own content, an
    /// id of the longest length has `tasks/<id>.yaml`, and a context path at its length limit
    /// has its file, many directories deep; `project yaml`, brought up to the log in two
    /// steps, writes byte for byte the tree `replay yaml` builds.
    @Test func idsThatDifferInCaseOrReachTheLimitsGetTheirOwnFiles() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let long = "L" + String(repeating: "o", count: 126) + "g"
        let cascade =
            (0..<101).map { "s" + String(repeating: "0", count: 3 - String($0).count) + String($0) }.joined(separator: "/")
            + String(repeating: "x", count: 8)
        #expect(long.utf8.count == 128 && cascade.utf8.count == 512)
        func task(_ id: String, _ title: String, context: String) -> String {
            "{\"cmd\":\"task.create\",\"id\":\"\(id)\",\"title\":\"\(title)\",\"intent\":\"feature\",\"complexity\":\"low\",\"context_cascade\":\"\(context)\"}\n"
        }
        let first =
            task("Auth", "Upper", context: "Team/Auth") + task("auth", "lower", context: "team/auth") + task(long, "Long", context: cascade)
            + "ms:Theme|dark|semantic\nms:theme|light|semantic\n"
        let tree = work.appendingPathComponent("projected")
        func step(_ input: String, _ name: String) throws -> [String: String] {
            let appended = try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock)
            #expect(appended.status == 0 && !appended.stdout.contains("er:"), "\(appended.stdout)")
            let projected = try ChronicleBinary.run(["project", "yaml", tree.path, "--db", db], input: "", environment: fixedClock)
            #expect(projected.status == 0, "stderr: \(projected.stderr)")
            let fresh = work.appendingPathComponent(name)
            let replayed = try ChronicleBinary.run(["replay", "yaml", fresh.path, "--db", db], input: "", environment: fixedClock)
            #expect(replayed.status == 0, "stderr: \(replayed.stderr)")
            let expected = try ProjectYAMLTests.view(fresh)
            #expect(try ProjectYAMLTests.view(tree) == expected)
            // No temporary or kept-aside file anywhere.
            #expect(try Self.files(under: tree).keys.filter { $0.contains(".tmp-") || $0.contains(".rejected-") } == [])
            return expected.mapValues { String(decoding: $0, as: UTF8.self) }
        }

        let before = try step(first, "fresh-1")
        let contextFile = "contexts/\(cascade).yaml"
        #expect(
            before.keys.sorted()
                == [
                    "contexts/Team/Auth.yaml", contextFile, "contexts/team/auth.yaml", "memory/Theme.yaml", "memory/theme.yaml",
                    "tasks/Auth.yaml", "tasks/\(long).yaml", "tasks/auth.yaml",
                ].sorted())
        #expect(before["tasks/Auth.yaml"]?.contains("id: Auth\ntitle: Upper\n") == true)
        #expect(before["tasks/auth.yaml"]?.contains("id: auth\ntitle: lower\n") == true)
        #expect(before["tasks/\(long).yaml"]?.contains("id: \(long)\ntitle: Long\n") == true)
        #expect(before["memory/Theme.yaml"]?.contains("value: dark\n") == true)
        #expect(before["memory/theme.yaml"]?.contains("value: light\n") == true)
        #expect(before["contexts/Team/Auth.yaml"]?.contains("- id: Auth\n") == true)
        #expect(before["contexts/team/auth.yaml"]?.contains("- id: auth\n") == true)
        #expect(before[contextFile]?.contains("- id: \(long)\n") == true)

        // A change to one of the pair touches its file only.
        let after = try step("su:Auth|in_progress|0.5\n{\"cmd\":\"memory.forget\",\"key\":\"theme\"}\n", "fresh-2")
        #expect(after["tasks/Auth.yaml"]?.contains("status: in_progress\n") == true)
        #expect(after["tasks/auth.yaml"] == before["tasks/auth.yaml"])
        #expect(after["contexts/team/auth.yaml"] == before["contexts/team/auth.yaml"])
        #expect(after["memory/Theme.yaml"] == before["memory/Theme.yaml"])
        #expect(after["memory/theme.yaml"] == nil)
    }
}
