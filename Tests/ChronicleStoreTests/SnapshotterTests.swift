import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

@testable import ChronicleStore

@Suite struct SnapshotterTests {
    /// The appender asks for a snapshot once the log has grown by `every` events since the last
    /// one, and the snapshot holds what a fold from the first event gives at its point.
    @Test func anAppenderSnapshotsEveryNEvents() throws {
        let (log, path) = try temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let appender = try TestLog.appender(log)
        let snapshotter = try Snapshotter(path: path, every: 50, logger: TestLog.silentLogger)
        appender.snapshotter = snapshotter
        func positions() throws -> [Int64] {
            Array(Set(try log.read { try $0.snapshotSummaries() }.map(\.position))).sorted()
        }
        // 40 events: none due yet.
        _ = try appender.append(text: (0..<40).map { "ms:k\($0 % 7)|v\($0)|semantic" }.joined(separator: "\n"))
        snapshotter.waitUntilIdle()
        try appender.storeReadySnapshots()
        #expect(try positions() == [])
        // 80: one, at the tip when it was asked for.
        _ = try appender.append(text: (0..<40).map { "ms:k\($0 % 7)|w\($0)|semantic" }.joined(separator: "\n"))
        snapshotter.waitUntilIdle()
        try appender.storeReadySnapshots()
        #expect(try positions() == [80])
        // 120: not yet due again (80 + 50 = 130); 170: due.
        _ = try appender.append(text: #"{"cmd":"task.create","id":"a","title":"A","intent":"feature","complexity":"low"}"#)
        _ = try appender.append(text: (0..<39).map { "su:a|in_progress|0.\($0 % 9 + 1)" }.joined(separator: "\n"))
        snapshotter.waitUntilIdle()
        try appender.storeReadySnapshots()
        #expect(try positions() == [80])
        _ = try appender.append(text: (0..<50).map { "[valid=2025-05-01T00:00:00Z] ms:late\($0 % 3)|x\($0)|semantic" }.joined(separator: "\n"))
        snapshotter.waitUntilIdle()
        try appender.storeReadySnapshots()
        #expect(try positions() == [80, 170])
        let query = LogQuery(log: log)
        for kind in [EntityKind.task, .memory] {
            let stored = try #require(try log.read { try $0.newestSnapshot(of: kind, usableAt: .latest, position: 170) })
            #expect(stored.position == 170)
            let point = AsOf(valid: stored.validAt, known: .position(170))
            #expect(stored.entities == (try query.entities(kind, asOf: point, useSnapshots: false)))
            #expect(!stored.entities.isEmpty)
        }
        snapshotter.stop()
    }
}
