import ChronicleTesting
import Foundation
import Testing

/// `chronicle tail`: the events from a position, and --follow picking up other processes' appends.
@Suite struct TailCommandTests {
    @Test func tailPrintsTheEventsFromAPosition() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:a|1|semantic\nms:b|x\\|y|semantic\nms:a|2|semantic\n", environment: fixedClock)
        let coded = try ChronicleBinary.run(["tail", "--db", db, "--from", "2"])
        #expect(coded.status == 0)
        #expect(
            coded.stdout == """
                ev:2|memory/b|1|memory.stored|2025-06-01T10:00:00.001Z|2025-06-01T10:00:00.001Z|@2|{"value":"x\\|y","memory_type":"semantic"}
                ev:3|memory/a|2|memory.stored|2025-06-01T10:00:00.002Z|2025-06-01T10:00:00.002Z|@3|{"value":"2","memory_type":"semantic"}

                """)
        let json = try ChronicleBinary.run(["tail", "--db", db, "--format", "json", "--from", "3"])
        #expect(
            json.stdout
                == #"{"seq":3,"stream":"memory/a","rev":2,"type":"memory.stored","type_version":2,"valid_from":"2025-06-01T10:00:00.002Z","recorded_at":"2025-06-01T10:00:00.002Z","command_id":"@3","payload":{"value":"2","memory_type":"semantic"}}"#
                + "\n")
        #expect(try ChronicleBinary.run(["tail", "--db", db, "--from", "0"]).status == 2)
    }

    @Test func followPrintsWhatOtherProcessesAppend() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(["append", "--db", db], input: "ms:k|0|semantic\n", environment: fixedClock)
        let follower = Process()
        follower.executableURL = ChronicleBinary.url
        follower.arguments = ["tail", "--db", db, "--follow"]
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        defer { follower.terminate() }
        for i in 1...3 {
            _ = try ChronicleBinary.run(["append", "--db", db], input: "ms:k|\(i)|semantic\n", environment: fixedClock)
        }
        // Read until the four events arrived (or give up after 20 s: the test then fails).
        let text = ChronicleBinary.readLines(out.fileHandleForReading.fileDescriptor, count: 4)
        let seqs = text.split(separator: "\n").map { $0.split(separator: "|")[0] }
        #expect(seqs == ["ev:1", "ev:2", "ev:3", "ev:4"])
        #expect(follower.isRunning)
    }
}
