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
        let (log, path) = try temporaryLog()
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
        // 300, in one commit, some of it late: 150, 200, 250 and 300.
        let late = (0..<180).map { "[valid=2025-05-01T00:00:00Z] ms:late\($0 % 3)|x\($0)|semantic" }
        #expect(try append(late) == [50, 100, 150, 200, 250, 300])
        let query = LogQuery(log: log)
        for position in [150, 250] as [Int64] {
            for kind in [EntityKind.task, .memory] {
                let stored = try #require(try log.read { try $0.newestSnapshot(of: kind, usableAt: .latest, position: position) })
                #expect(stored.position == position)
                let point = AsOf(valid: stored.validAt, known: .position(position))
                #expect(stored.entities == (try query.entities(kind, asOf: point, useSnapshots: false)))
                #expect(!stored.entities.isEmpty)
            }
        }
        snapshotter.stop()
    }
}
