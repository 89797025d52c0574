import ChronicleProjection
import ChronicleTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a following YAML projector reads back: a file renamed into place from a temporary file
/// of this process (the sink's own write) is not handed out as changed; one renamed from
/// another process's temporary file, or written in place, is.
@Suite struct TreeWatcherTests {
    @Test func theSinksOwnRenamesAreNotReadBack() throws {
        let root = try TestLog.temporaryDirectory().path
        try FileManager.default.createDirectory(atPath: root + "/tasks", withIntermediateDirectories: true)
        let watcher = try #require(TreeWatcher(root: root, tops: ["tasks"], log: nil))
        #expect(watcher.takeOverflow())  // at first, every file is to be looked at
        func write(_ path: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + path)) }
        try write("tasks/.own.yaml.tmp-\(getpid())", "own")
        #expect(rename(root + "/tasks/.own.yaml.tmp-\(getpid())", root + "/tasks/own.yaml") == 0)
        try write("tasks/.other.yaml.tmp-999999999", "other")
        #expect(rename(root + "/tasks/.other.yaml.tmp-999999999", root + "/tasks/other.yaml") == 0)
        try write("tasks/edited.yaml", "edited")
        var ready: [String] = []
        let deadline = Date().addingTimeInterval(5)
        while ready.count < 2 && Date() < deadline {
            _ = watcher.wait(timeoutMilliseconds: 100, stop: nil)
            ready += watcher.ready()
        }
        usleep(100_000)
        ready += watcher.ready()
        #expect(ready.sorted() == ["tasks/edited.yaml", "tasks/other.yaml"])
    }
}
