import ChronicleTesting
import Foundation
import GRDB
import Testing

/// `chronicle verify` through the binary: its report and exit statuses (0 sound, 1 damaged, 3 unusable).
@Suite struct VerifyCommandTests {
    @Test func aSoundLogIsReportedWithItsChainHead() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(["append", "--db", db], input: "ms:a|1|semantic\nms:b|2|semantic\n", environment: fixedClock)
        let r = try ChronicleBinary.run(["verify", "--db", db])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("ok: 2 events in 2 streams up to seq 2, chain head "))
        let json = try ChronicleBinary.run(["verify", "--db", db, "--format", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix(#"{"ok":true,"events":2,"streams":2,"head_seq":2,"head_hash":""#))
    }

    @Test func aDamagedLogIsReportedRowByRowAndExitsOne() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:a|1|semantic\nms:b|2|semantic\nms:c|3|semantic\n", environment: fixedClock)
        try DatabaseQueue(path: db).write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET recorded_at = recorded_at - 1000000 WHERE seq = 3")
        }
        let r = try ChronicleBinary.run(["verify", "--db", db])
        #expect(r.status == 1)
        #expect(
            r.stdout.split(separator: "\n").map(String.init) == [
                "seq 3: recorded_at goes back in time (1748771999002000 < 1748772000001000)",
                "seq 3: hash does not match the row's content and the previous hash",
                "damaged: 2 problems in 3 events in 3 streams (\(db)); rows before seq 3 passed every check: restore the log from a copy",
            ])
    }

    /// A history a late event made look impossible is a warning, and the log is still sound.
    @Test func anImpossibleLookingHistoryIsAWarning() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let input = """
            {"cmd":"task.create","id":"a","title":"A","intent":"feature","complexity":"low"}
            su:a|in_progress|0.5
            su:a|done|1
            [valid=2025-06-01T10:00:00.0015Z] su:a|cancelled|0

            """
        _ = try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock)
        let r = try ChronicleBinary.run(["verify", "--db", db])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "warning: seq 3: task/a: the task goes from cancelled to completed")
        #expect(lines.last?.hasPrefix("ok: 4 events in 1 stream up to seq 4, chain head ") == true)
        #expect(lines.last?.hasSuffix("; 1 event that looks impossible as known now (folded as recorded) (\(db))") == true)
        let json = try ChronicleBinary.run(["verify", "--db", db, "--format", "json"])
        #expect(
            json.stdout.contains(
                #""problems":[],"warnings":[{"seq":3,"stream":"task/a","warning":"the task goes from cancelled to completed"}]"#))
    }

    @Test func aMissingLogExitsThree() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("absent.db").path
        let r = try ChronicleBinary.run(["verify", "--db", db])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("no log at \(db)"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
