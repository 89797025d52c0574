import ChronicleTesting
import Foundation
import GRDB
import Testing

/// `chronicle snapshot` through the binary: it prints the snapshots it took, lists every stored
/// one (those of an older format marked as ignored), and drops them.
@Suite struct SnapshotCommandTests {
    @Test func takesListsAndDropsSnapshots() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:a|1|semantic\nms:b|2|semantic\nms:c|3|semantic\n", environment: fixedClock)
        let first = try ChronicleBinary.run(["snapshot", "--db", db, "--at", "#1"], environment: fixedClock)
        #expect(first.status == 0)
        #expect(
            first.stdout.split(separator: "\n").map { $0.split(separator: "\t").prefix(2).joined(separator: " ") } == [
                "context #1", "memory #1", "task #1", "workflow #1",
            ])
        // A snapshot row of an older format, newer than the next one taken.
        try DatabaseQueue(path: db).write { db in
            try db.execute(
                sql: "INSERT INTO snapshots (kind, seq, valid_at, format, codec, state) VALUES ('memory', 3, 0, 1, 0, X'7B7D')")
        }
        let second = try ChronicleBinary.run(["snapshot", "--db", db, "--at", "#2"], environment: fixedClock)
        #expect(
            second.stdout.split(separator: "\n").map { $0.split(separator: "\t").prefix(2).joined(separator: " ") } == [
                "context #2", "memory #2", "task #2", "workflow #2",
            ])
        let list = try ChronicleBinary.run(["snapshot", "--db", db, "--list"])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 9)
        #expect(lines.last?.hasPrefix("memory\t#3\t") == true && lines.last?.hasSuffix("\tolder format, ignored") == true)
        #expect(lines.dropLast().allSatisfy { !$0.contains("ignored") })
        let drop = try ChronicleBinary.run(["snapshot", "--db", db, "--drop"])
        #expect(drop.stdout == "dropped 9 snapshots\n")
        #expect(try ChronicleBinary.run(["snapshot", "--db", db, "--list"]).stdout.isEmpty)
    }
}
