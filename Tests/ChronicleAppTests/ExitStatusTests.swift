import ChronicleTesting
import Foundation
import Testing

/// The exit statuses of SPEC §7: 0 read to the end, 1 --strict stopped, 2 bad arguments, 3 the log unusable.
@Suite struct ExitStatusTests {
    @Test func errorAcksWithoutStrictStillExitZero() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let r = try ChronicleBinary.run(["append", "--db", db], input: "bogus\nms:a|1|semantic\n", environment: fixedClock)
        #expect(r.status == 0)
        #expect(
            r.stdout
                == "er:parse|line 1: not a command|write a coded line like tc:title\\|intent\\|complexity or a JSON object {\"cmd\": …}\nsu:memory/a|stored|1\n"
        )
    }

    @Test(arguments: [
        ["append", "--format", "xml"], ["append", "--synchronous", "sometimes"], ["append", "--no-such-flag"], ["frobnicate"],
    ])
    func badArgumentsExitTwo(args: [String]) throws {
        let r = try ChronicleBinary.run(args, input: "ms:a|1|semantic\n")
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(!r.stderr.isEmpty)
    }

    @Test func aBadClockSettingExitsTwo() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let r = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:a|1|semantic\n", environment: ["CHRONICLE_CLOCK": "fixed:yesterday"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("CHRONICLE_CLOCK"))
    }

    @Test func aLogThatCannotBeOpenedExitsThreeWithoutAcks() throws {
        let r = try ChronicleBinary.run(["append", "--db", "/nonexistent-dir/sub/log.db"], input: "ms:a|1|semantic\n")
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("cannot open the log at /nonexistent-dir/sub/log.db"))
    }

    @Test func aFileThatIsNotALogExitsThree() throws {
        let path = try TestLog.temporaryDirectory().appendingPathComponent("not-a-log.db")
        try Data("this is not a database, just text that is long enough to look like a header".utf8).write(to: path)
        let r = try ChronicleBinary.run(["append", "--db", path.path], input: "ms:a|1|semantic\n")
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
    }
}
