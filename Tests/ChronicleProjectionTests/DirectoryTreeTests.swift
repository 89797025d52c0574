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

    /// On a case-sensitive file system two names that differ only in case are two files, each
    /// with its own bytes, and both are listed.
    @Test func namesThatDifferOnlyInCaseAreTwoFiles() throws {
        let (tree, _) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        try directory.write("tasks/Auth.yaml", Array("title: Upper\n".utf8))
        try directory.write("tasks/auth.yaml", Array("title: lower\n".utf8))
        try directory.write("contexts/Team/x.yaml", Array("upper\n".utf8))
        try directory.write("contexts/team/x.yaml", Array("lower\n".utf8))
        #expect(try directory.read("tasks/Auth.yaml") == Array("title: Upper\n".utf8))
        #expect(try directory.read("tasks/auth.yaml") == Array("title: lower\n".utf8))
        #expect(try directory.read("contexts/Team/x.yaml") == Array("upper\n".utf8))
        #expect(try directory.read("contexts/team/x.yaml") == Array("lower\n".utf8))
        #expect(try directory.files(under: "") == ["contexts/Team/x.yaml", "contexts/team/x.yaml", "tasks/Auth.yaml", "tasks/auth.yaml"])
        try directory.remove("tasks/Auth.yaml")
        #expect(try directory.files(under: "tasks") == ["tasks/auth.yaml"])
    }

    /// The longest id makes its file, and its longer temporary name `.<name>.tmp-PID` fits; so
    /// does the longest segment the tree takes (the name limit less room for that suffix).
    @Test func theLongestNamesAreWrittenThroughTheirTemporaryNames() throws {
        let (tree, _) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        let id = "A" + String(repeating: "b", count: 126) + "Z"
        #expect(id.utf8.count == 128)
        let path = try #require(YAMLTree.path(of: StreamID(.task, id)))
        #expect(path == "tasks/\(id).yaml")
        try directory.write(path, Array("one\n".utf8))
        try directory.write(path, Array("two\n".utf8))
        #expect(try directory.read(path) == Array("two\n".utf8))

        let longest = String(repeating: "n", count: DirectoryTree.nameLimit - 16)
        #expect(".\(longest).tmp-\(Int32.max)".utf8.count <= DirectoryTree.nameLimit)
        try directory.write("memory/\(longest)", Array("x\n".utf8))
        #expect(try directory.read("memory/\(longest)") == Array("x\n".utf8))
        // No temporary file is left beside them.
        #expect(try Self.contents(tree.appendingPathComponent("tasks")) == ["\(id).yaml"])
        #expect(try Self.contents(tree.appendingPathComponent("memory")) == [longest])
    }

    /// A segment longer than the file system's 255 bytes (bytes, not characters), or than the
    /// tree takes to leave room for its temporary suffix, is refused by every operation before
    /// any file is touched: no crash, no write anywhere.
    @Test(arguments: [
        "tasks/" + String(repeating: "n", count: 256), "tasks/" + String(repeating: "n", count: 1_000),
        "tasks/" + String(repeating: "é", count: 128), String(repeating: "d", count: 256) + "/a.yaml",
        "tasks/" + String(repeating: "n", count: DirectoryTree.nameLimit - 15),
    ])
    func aSegmentOverTheNameLimitIsRefusedEverywhere(path: String) throws {
        let (tree, outside) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        func refused(_ operation: () throws -> Void) -> Bool {
            do {
                try operation()
                return false
            } catch {
                if case ProjectionError.unsafePath(path) = error { return true }
                return false
            }
        }
        #expect(refused { try directory.write(path, Array("x".utf8)) })
        #expect(refused { try directory.append(path, Array("x".utf8)) })
        #expect(refused { _ = try directory.read(path) })
        #expect(refused { _ = try directory.lock(path) })
        #expect(refused { try directory.remove(path) })
        #expect(refused { _ = try directory.files(under: path) })
        #expect(try Self.contents(tree) == [])
        #expect(try Self.contents(outside) == [])
    }

    /// A context path of many segments at the 512-byte limit of the rules is a file that deep
    /// in the tree; one byte more is not a context path.
    @Test func aContextPathAtItsLengthLimitIsWritten() throws {
        let (tree, _) = try Self.scratch()
        let directory = try DirectoryTree(opening: tree.path)
        var segments = (0..<101).map { "s" + String(repeating: "0", count: 3 - String($0).count) + String($0) }
        segments[100] += String(repeating: "x", count: 8)
        let cascade = segments.joined(separator: "/")
        #expect(cascade.utf8.count == 512)
        #expect(YAMLTree.contextFile(cascade + "x") == nil)
        let path = try #require(YAMLTree.contextFile(cascade))
        #expect(path == "contexts/\(cascade).yaml")
        try directory.write(path, Array("listed\n".utf8))
        #expect(try directory.read(path) == Array("listed\n".utf8))
        #expect(try directory.files(under: "contexts") == [path])
        try directory.remove(path)
        #expect(try directory.read(path) == nil)
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
