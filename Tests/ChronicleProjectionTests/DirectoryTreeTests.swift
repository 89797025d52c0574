import ChronicleCore
import ChronicleTesting
import ChronicleViews
import Foundation
import Testing

@testable import ChronicleProjection

/// No path, id or planted link makes a view's file land outside its directory.
@Suite struct DirectoryTreeTests {
    static func scratch() throws -> (tree: URL, outside: URL) {
        let base = try TestLog.temporaryDirectory()
        let tree = base.appendingPathComponent("tree")
        let outside = base.appendingPathComponent("outside")
        for dir in [tree, outside] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        return (tree, outside)
    }

    static func contents(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test(arguments: [
        "../outside/x.yaml", "/tmp/x.yaml", "tasks//x.yaml", "tasks/./x.yaml", "tasks/../../outside/x.yaml", "tasks/a\0b.yaml",
        "", "tasks/", String(repeating: "n", count: 250) + ".yaml",
    ])
    func aPathThatCouldLeaveTheTreeIsRefused(path: String) throws {
        let (tree, outside) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        #expect {
            try directory.write(path, Array("x".utf8))
        } throws: { error in
            if case ProjectionError.unsafePath = error { return true }
            return false
        }
        #expect(try Self.contents(tree) == [])
        #expect(try Self.contents(outside) == [])
    }

    /// A link planted where a directory of the tree goes is not followed (the write fails and
    /// nothing lands outside); one planted where a file goes is replaced, not written through.
    @Test func aPlantedSymbolicLinkIsNeverFollowed() throws {
        let (tree, outside) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        try FileManager.default.createSymbolicLink(at: tree.appendingPathComponent("tasks"), withDestinationURL: outside)
        #expect(throws: ProjectionError.self) { try directory.write("tasks/a.yaml", Array("x".utf8)) }
        #expect(try Self.contents(outside) == [])

        try FileManager.default.createDirectory(at: tree.appendingPathComponent("memory/deep"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: tree.appendingPathComponent("memory/deep/up"), withDestinationURL: outside)
        #expect(throws: ProjectionError.self) { try directory.write("memory/deep/up/k.yaml", Array("x".utf8)) }
        #expect(try Self.contents(outside) == [])
        // Reading through a planted link is an error, not "no file".
        try Data("checkpoint\n".utf8).write(to: outside.appendingPathComponent("k.yaml"))
        #expect(throws: ProjectionError.self) { _ = try directory.read("memory/deep/up/k.yaml") }
        #expect(throws: ProjectionError.self) { _ = try directory.read("tasks/k.yaml") }
        #expect(try directory.read("memory/deep/none.yaml") == nil)
        #expect(try directory.read("nowhere/none.yaml") == nil)

        let victim = outside.appendingPathComponent("victim.txt")
        try Data("keep\n".utf8).write(to: victim)
        try FileManager.default.createSymbolicLink(at: tree.appendingPathComponent("memory/k.yaml"), withDestinationURL: victim)
        try directory.write("memory/k.yaml", Array("value: v\n".utf8))
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
        #expect(try String(contentsOf: tree.appendingPathComponent("memory/k.yaml"), encoding: .utf8) == "value: v\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: tree.appendingPathComponent("memory/k.yaml").path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        // No temporary file is left beside it.
        #expect(try Self.contents(tree.appendingPathComponent("memory")) == ["deep", "k.yaml"])
    }

    /// Ids and context paths the rules refuse get no file at all.
    @Test func idsAndContextPathsThatBreakTheRulesGetNoFile() {
        for bad in ["..", "../x", "/etc/passwd", "a/b", "", ".hidden", "a\0b", String(repeating: "a", count: 129)] {
            #expect(YAMLTree.path(of: StreamID(.task, bad)) == nil, "\(bad)")
        }
        for bad in ["../x", "contexts/../../x", "/abs/x", "a//b", "a/./b", "a/\0/b", "a.yaml/b", "contexts/x.yaml/y.yaml"] {
            #expect(YAMLTree.contextFile(bad) == nil, "\(bad)")
        }
        #expect(YAMLTree.contextFile("contexts/agents/dev/backend_tasks.yaml") == "contexts/agents/dev/backend_tasks.yaml")
        #expect(YAMLTree.contextFile("agents/dev/backend_tasks") == "contexts/agents/dev/backend_tasks.yaml")
    }

    /// Writing over a file replaces it whole; removing a missing file is no error.
    @Test func writesReplaceAndRemovesForget() throws {
        let (tree, _) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        try directory.write("tasks/a.yaml", Array("one\n".utf8))
        try directory.write("tasks/a.yaml", Array("two\n".utf8))
        #expect(try String(contentsOf: tree.appendingPathComponent("tasks/a.yaml"), encoding: .utf8) == "two\n")
        try directory.remove("tasks/a.yaml")
        try directory.remove("tasks/a.yaml")
        try directory.remove("nowhere/b.yaml")
        #expect(try Self.contents(tree.appendingPathComponent("tasks")) == [])
    }

    /// A checkpoint with numbers that are not whole, or out of range, is damaged, not a trap.
    @Test(arguments: ["1e400", "1.5", "-1e30", "9223372036854775808000"])
    func aCheckpointWithABadNumberIsDamaged(number: String) throws {
        for field in ["version", "seq"] {
            let version = field == "version" ? number : "1"
            let seq = field == "seq" ? number : "3"
            let text = "{\"view\":\"yaml\",\"version\":\(version),\"log\":\"abc\",\"seq\":\(seq),\"valid_at\":\"2025-06-01T10:00:00Z\"}"
            #expect {
                _ = try ViewCheckpoint(bytes: Array(text.utf8), path: "c.json")
            } throws: { error in
                if case ProjectionError.damagedCheckpoint = error { return true }
                return false
            }
        }
        let good = ViewCheckpoint(view: "yaml", version: 1, log: "abc", seq: 3, validAt: Timestamp(microseconds: 0))
        #expect(try ViewCheckpoint(bytes: good.bytes, path: "c.json") == good)
    }
}
