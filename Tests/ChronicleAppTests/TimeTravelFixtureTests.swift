import ChronicleStore
import ChronicleTesting
import Foundation
import Testing

/// The scenarios of `replay-fixtures/time-travel/`: each `.commands` file is appended under the
/// test clock, then every line of its `.queries` file is run as a `chronicle` command; the
/// outputs, with their exit statuses, must equal the `.golden` file byte for byte.
/// Re-record with `CHRONICLE_RECORD_GOLDEN=1 swift test --filter TimeTravelFixtureTests`.
@Suite struct TimeTravelFixtureTests {
    static let scenarios = [
        "late-witness", "same-valid-time", "retraction", "future-value", "late-correction", "corrected-task",
    ]

    @Test(arguments: scenarios)
    func answersMatchTheGoldenFile(scenario: String) throws {
        let dir = packageRoot.appendingPathComponent("replay-fixtures/time-travel")
        let commands = try String(contentsOf: dir.appendingPathComponent("\(scenario).commands"), encoding: .utf8)
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let appended = try ChronicleBinary.run(["append", "--db", db], input: commands, environment: fixedClock)
        #expect(appended.status == 0, "stderr: \(appended.stderr)")
        #expect(!appended.stdout.contains("er:"), "\(appended.stdout)")
        var transcript = "# acks\n" + appended.stdout
        let queries = try String(contentsOf: dir.appendingPathComponent("\(scenario).queries"), encoding: .utf8)
        for line in queries.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let args = line.split(separator: " ").map(String.init) + ["--db", db]
            let r = try ChronicleBinary.run(args, environment: fixedClock)
            transcript += "\n$ chronicle \(line)\n" + r.stdout + (r.status == 0 ? "" : "[exit \(r.status)] \(r.stderr)")
        }
        let golden = dir.appendingPathComponent("\(scenario).golden")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try transcript.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        #expect(transcript == (try String(contentsOf: golden, encoding: .utf8)))
    }
}
