import ChronicleCore
import ChronicleStore
import ChronicleTesting
import Foundation
import Testing

/// `replay-fixtures/v1-log/events.jsonl` is the seed examples' log as an earlier version wrote
/// it (memory.stored at payload version 1, `"type"` for the memory's kind). Imported as stored,
/// it must verify, and every entity must read back exactly as today's appender makes it from the
/// same commands (memory.stored at version 2), and as `answers.golden` records.
@Suite struct UpcastFixtureTests {
    static let dir = packageRoot.appendingPathComponent("replay-fixtures/v1-log")

    static func answers(_ log: EventLog) throws -> String {
        let query = LogQuery(log: log)
        let now = try query.now(clock: FixedClock(start: TestLog.clockStart))
        let point = AsOf(valid: now, known: .time(now))
        var out = ""
        for kind in [EntityKind.task, .memory, .workflow] {
            out += "# \(kind.rawValue)\n"
            for e in try query.entities(kind, asOf: point) { out += e.json.jsonString + "\n" }
        }
        return out
    }

    @Test func aVersion1LogReplaysIntoTodaysState() throws {
        let lines = try String(contentsOf: Self.dir.appendingPathComponent("events.jsonl"), encoding: .utf8).split(separator: "\n")
        let exported = try lines.map { line in
            try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))), "\(line)")
        }
        #expect(exported.contains { $0.type == "memory.stored" && $0.typeVersion == 1 && $0.payload["type"] != nil })
        let (old, _) = try Self.fileLog()
        try old.importEvents(exported)
        #expect(try LogIntegrity.check(old) == [])
        #expect(try old.events().count == exported.count)

        let (today, _) = try Self.fileLog()
        let commands = try String(
            contentsOf: packageRoot.appendingPathComponent("replay-fixtures/seed-examples/commands.txt"), encoding: .utf8)
        _ = try TestLog.appender(today).append(text: commands)
        let rows = try today.read { tx in try tx.events(after: 0) }
        #expect(rows.contains { $0.event.type == "memory.stored" && $0.event.typeVersion == 2 })

        let answers = try Self.answers(old)
        #expect(answers == (try Self.answers(today)))
        let golden = Self.dir.appendingPathComponent("answers.golden")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try answers.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        #expect(answers == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func importRefusesAGapAndAnUndecodablePayload() throws {
        let line =
            #"{"seq":2,"stream":"memory/a","rev":1,"type":"memory.stored","type_version":1,"valid_from":"2025-06-01T10:00:00Z","recorded_at":"2025-06-01T10:00:00Z","command_id":"@1","payload":{"value":1,"type":"semantic"}}"#
        var e = try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))))
        let (log, _) = try Self.fileLog()
        #expect(throws: StoreError.self) { try log.importEvents([e]) }
        e.seq = 1
        e.typeVersion = 3
        #expect(throws: StoreError.self) { try log.importEvents([e]) }
        e.typeVersion = 1
        try log.importEvents([e])
        #expect(try log.events().first?.event == .memoryStored(value: 1, type: "semantic", category: nil, significance: nil))
    }

    /// A log exported with `chronicle tail --format json` and imported into an empty file is
    /// the same log: every stored byte hashes the same, so the chain heads are equal.
    @Test func anExportImportsIntoTheSameLog() throws {
        let (original, path) = try Self.fileLog()
        let commands = try String(
            contentsOf: packageRoot.appendingPathComponent("replay-fixtures/seed-examples/commands.txt"), encoding: .utf8)
        _ = try TestLog.appender(original).append(text: commands)
        _ = try old(original)
        let export = try ChronicleBinary.run(["tail", "--db", path, "--format", "json"])
        #expect(export.status == 0)
        let events = try export.stdout.split(separator: "\n").map {
            try #require(ExportedEvent(try JSONParser.parse(bytes: Array($0.utf8))))
        }
        let (copy, _) = try Self.fileLog()
        try copy.importEvents(events)
        #expect(try LogIntegrity.verify(copy).headHash == LogIntegrity.verify(original).headHash)
        #expect(try LogIntegrity.verify(copy).events == events.count)
        #expect(events.contains { $0.typeVersion == 1 && $0.type == "memory.stored" })
    }

    /// Appends the v1 fixture's memory rows' form to `log` by importing one old-version event.
    private func old(_ log: EventLog) throws -> Int {
        let next = try log.events().count + 1
        let line =
            #"{"seq":\#(next),"stream":"memory/legacy","rev":1,"type":"memory.stored","type_version":1,"valid_from":"2025-06-01T11:00:00Z","recorded_at":"2025-06-01T11:00:00Z","command_id":"@legacy","payload":{"value":"old","type":"semantic"}}"#
        try log.importEvents([try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))))])
        return next
    }

    @Test(arguments: [
        (#""rev":2"#, "revision"), (#""recorded_at":"2020-01-01T00:00:00Z""#, "back in time"),
        (#""type":"task.created""#, "on stream"),
    ])
    func importRefusesWhatVerifyWould(change: String, reason: String) throws {
        let (log, _) = try Self.fileLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic")
        var line =
            #"{"seq":2,"stream":"memory/b","rev":1,"type":"memory.stored","type_version":1,"valid_from":"2025-06-01T11:00:00Z","recorded_at":"2025-06-01T11:00:00Z","command_id":"@2","payload":{"value":"x","type":"semantic"}}"#
        let key = String(change.prefix { $0 != ":" })
        let range = try #require(line.range(of: #"\#(key):("[^"]*"|[0-9]+)"#, options: .regularExpression))
        line.replaceSubrange(range, with: change)
        let e = try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))))
        #expect(performing: { try log.importEvents([e]) }, throws: { "\($0)".contains(reason) })
        #expect(try log.events().count == 1)
    }

    /// A retraction is folded with the stream it is stored on: one stored on another stream than
    /// its target's (which the appender never writes) is refused, and so is one of a later event.
    @Test(arguments: [("memory/b", 1, "not on the stream"), ("memory/a", 5, "not on the stream"), ("memory/a", 1, "")])
    func importRefusesARetractionOffItsTargetsStream(stream: String, target: Int, reason: String) throws {
        let (log, _) = try Self.fileLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic\nms:b|1|semantic")
        let line =
            #"{"seq":3,"stream":"\#(stream)","rev":2,"type":"event.retracted","type_version":1,"valid_from":"2025-06-01T11:00:00Z","recorded_at":"2025-06-01T11:00:00Z","command_id":"@3","payload":{"seq":\#(target),"reason":"r"}}"#
        let e = try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))))
        if reason.isEmpty {
            try log.importEvents([e])
            #expect(try log.events().count == 3)
        } else {
            #expect(performing: { try log.importEvents([e]) }, throws: { "\($0)".contains(reason) })
            #expect(try log.events().count == 2)
        }
    }

    /// A retraction of a retraction (the appender refuses the command; readers ignore the row)
    /// is refused, in the same batch as its target or in a later one, as `verify` reports it.
    @Test(arguments: [true, false])
    func importRefusesARetractionOfARetraction(oneBatch: Bool) throws {
        let (log, _) = try Self.fileLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic\nms:b|1|semantic")
        func retraction(_ seq: Int, of target: Int) throws -> ExportedEvent {
            let line =
                #"{"seq":\#(seq),"stream":"memory/a","rev":\#(seq - 1),"type":"event.retracted","type_version":1,"valid_from":"2025-06-01T11:00:00Z","recorded_at":"2025-06-01T11:00:00Z","command_id":"@\#(seq)","payload":{"seq":\#(target),"reason":"r"}}"#
            return try #require(ExportedEvent(try JSONParser.parse(bytes: Array(line.utf8))))
        }
        let first = try retraction(3, of: 1), second = try retraction(4, of: 3)
        if oneBatch {
            #expect(performing: { try log.importEvents([first, second]) }, throws: { "\($0)".contains("itself a retraction") })
            #expect(try log.events().count == 2)
        } else {
            try log.importEvents([first])
            #expect(performing: { try log.importEvents([second]) }, throws: { "\($0)".contains("itself a retraction") })
            #expect(try log.events().count == 3)
        }
    }

    static func fileLog() throws -> (EventLog, String) {
        let path = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        return (try EventLog(path: path, logger: TestLog.silentLogger), path)
    }
}
