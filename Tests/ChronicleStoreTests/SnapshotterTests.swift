import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

@testable import ChronicleStore

@Suite struct SnapshotterTests {
    /// The appender asks for snapshots once the log has grown past the next position due; they
    /// lie exactly `every` events apart, however many events one commit adds, and each holds
    /// what a fold from the first event gives at its point.
    @Test func anAppenderSnapshotsEveryNEvents() throws {
        let (log, path) = try TestLog.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let appender = try TestLog.appender(log)
        let snapshotter = try Snapshotter(path: path, every: 50, logger: TestLog.silentLogger)
        appender.snapshotter = snapshotter
        func append(_ lines: [String]) throws -> [Int64] {
            _ = try appender.append(text: lines.joined(separator: "\n"))
            snapshotter.waitUntilIdle()
            try appender.storeReadySnapshots()
            return Array(Set(try log.read { try $0.snapshotSummaries() }.map(\.position))).sorted()
        }
        // 40 events: none due yet.
        #expect(try append((0..<40).map { "ms:k\($0 % 7)|v\($0)|semantic" }) == [])
        // 80: the one due at 50.
        #expect(try append((0..<40).map { "ms:k\($0 % 7)|w\($0)|semantic" }) == [50])
        // 120: and at 100.
        let create = #"{"cmd":"task.create","id":"a","title":"A","intent":"feature","complexity":"low"}"#
        #expect(try append([create] + (0..<39).map { "su:a|in_progress|0.\($0 % 9 + 1)" }) == [50, 100])
        // 300, in one commit: 150, 200, 250 and 300, each from the one before. Some events are
        // late on keys the snapshots hold (those streams go stale), some dated a day ahead
        // (pending), some on new keys.
        let late = (0..<180).map { i in
            switch i % 3 {
            case 0: "[valid=2025-05-01T00:00:00Z] ms:k\(i % 7)|x\(i)|semantic"
            case 1: "[valid=2025-06-02T10:00:00Z] ms:k\(i % 7)|y\(i)|semantic"
            default: "ms:new\(i % 5)|z\(i)|semantic"
            }
        }
        #expect(try append(late) == [50, 100, 150, 200, 250, 300])
        // Each stored snapshot is the one a fold from the first event gives at its point:
        // states, frontiers and pending events.
        for position in [50, 100, 150, 200, 250, 300] as [Int64] {
            for kind in [EntityKind.task, .memory, .workflow, .context] {
                let stored = try #require(try log.read { try $0.newestSnapshot(of: kind, usableAt: .latest, position: position) })
                #expect(stored.position == position)
                let replayed = try log.read { tx in try Replay().run([kind], validAt: stored.validAt, position: position, tx).snapshots[0] }
                #expect(stored == replayed, "\(kind) at #\(position)")
            }
        }
        let last = try #require(try log.read { try $0.newestSnapshot(of: .memory, usableAt: .latest, position: 300) })
        #expect(!last.pending.isEmpty && !last.streams.isEmpty)
        // 700, in one commit: seven positions due, more than it keeps up with; it skips to the
        // newest.
        #expect(try append((0..<400).map { "ms:k\($0 % 7)|u\($0)|semantic" }) == [50, 100, 150, 200, 250, 300, 700])
        snapshotter.stop()
    }
}
