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
        #expect(throws: ProjectionError.self) { try directory.write(path, Array("x".utf8)) }
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
        for bad in ["../x", "contexts/../../x", "/abs/x", "a//b", "a/./b", "a/\0/b"] {
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
}
