import ChronicleCore
import ChronicleTesting
import Foundation
import GRDB
import Testing

@testable import ChronicleStore

@Suite struct EventLogTests {

    @Test func embeddedMigrationsAreTheFilesInSchema() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedMigrations.all.map(\.name))
        for (name, sql) in EmbeddedMigrations.all {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .newlines) == sql.trimmingCharacters(in: .newlines), "run tools/embed-schema")
        }
    }

    @Test(arguments: EventLog.Durability.allCases)
    func theChosenDurabilityIsInEffect(durability: EventLog.Durability) throws {
        let path = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let log = try EventLog(path: path, durability: durability, logger: TestLog.silentLogger)
        #expect(try log.durabilityInEffect() == durability)
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic")
        #expect(try log.durabilityInEffect() == durability)
    }

    @Test func migrationsAreRecordedAndAppliedOnce() throws {
        let (log, path) = try TestLog.temporaryLog()
        #expect(try log.appliedMigrations() == EmbeddedMigrations.all.map(\.name))
        let again = try EventLog(path: path, logger: TestLog.silentLogger)
        #expect(try again.appliedMigrations() == EmbeddedMigrations.all.map(\.name))
    }

    @Test(arguments: [
        "UPDATE events SET type = 'x'", "UPDATE events SET command_ack = 'x'", "DELETE FROM events", "UPDATE commands SET ack = 'x'",
        "DELETE FROM commands",
    ])
    func theLogRefusesUpdateAndDelete(sql: String) throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: "[id=a] ms:k|v|semantic")
        // `commands` holds the ids of builds before version 4 only.
        try log.write { try $0.recordLegacyCommand(id: "old", firstSeq: 1, fingerprint: [], ack: Array("{}".utf8)) }
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: sql) } }
        #expect(try log.events().count == 1)
    }

    @Test func eventsRoundTripWithTimesAndRevisions() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let acks = try appender.append(
            text: """
                tc:Write docs|docs|low
                [valid=2025-05-01T00:00:00Z] ms:k|{a:1}|semantic
                su:write_docs_001|in_progress|0.5
                """)
        #expect(acks == ["tr:write_docs_001|0.9|one_shot", "su:memory/k|stored|1", "su:write_docs_001|in_progress|0.5"])
        let events = try log.events()
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(events.map(\.stream.description) == ["task/write_docs_001", "memory/k", "task/write_docs_001"])
        #expect(events.map(\.streamRevision) == [1, 1, 2])
        #expect(events.map(\.recordedAt.rfc3339) == ["2025-06-01T10:00:00Z", "2025-06-01T10:00:00.001Z", "2025-06-01T10:00:00.002Z"])
        #expect(events[1].validFrom.rfc3339 == "2025-05-01T00:00:00Z")
        #expect(events[0].validFrom == events[0].recordedAt)
        #expect(events[1].event == .memoryStored(value: .object([JSONMember("a", 1)]), type: "semantic", category: nil, significance: nil))
        #expect(events.map(\.commandID) == ["@1", "@2", "@3"])
    }

    @Test func largePayloadsAreCompressedAndReadBack() throws {
        let (log, path) = try TestLog.temporaryLog()
        let big = String(repeating: "all work and no play ", count: 200)
        _ = try TestLog.appender(log).append(text: "ms:essay|\(big)|episodic\nms:short|x|semantic")
        let codecs = try DatabaseQueue(path: path).read { try Int.fetchAll($0, sql: "SELECT codec FROM events ORDER BY seq") }
        #expect(codecs == [PayloadCodec.lz4.rawValue, PayloadCodec.json.rawValue])
        let events = try log.events()
        #expect(events[0].event == .memoryStored(value: .string(big), type: "episodic", category: nil, significance: nil))
        #expect(try LogIntegrity.check(log) == [])
    }

    @Test func repeatedCommandIDReturnsTheOriginalAckAndAppendsNothing() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let first = try appender.append(text: "[id=c1] tc:One|x|low")
        let second = try appender.append(text: "[id=c1] tc:One|x|low")
        #expect(first == ["tr:one_001|0.9|one_shot"])
        #expect(second == first)
        #expect(try log.events().count == 1)
        // The same id on a different command is refused, not taken for a retry.
        let other = try appender.append(text: "[id=c1] tc:Two|y|high")
        #expect(
            other == [
                "er:conflict|line 1: command id 'c1' was already used for a different command|use a new id for a new command; repeat an id only to retry the same command"
            ])
        #expect(try appender.append(text: "[id=c1 valid=2025-01-01T00:00:00Z] tc:One|x|low").first?.hasPrefix("er:conflict") == true)
        #expect(try log.events().count == 1)
        // A second appender (another process) sees the stored ack too.
        #expect(try TestLog.appender(log).append(text: "[id=c1] tc:One|x|low") == first)
    }

    @Test func appendersCatchUpWithEachOther() throws {
        let (log, path) = try TestLog.temporaryLog()
        let a = try TestLog.appender(log)
        let b = try TestLog.appender(EventLog(path: path, logger: TestLog.silentLogger))
        #expect(try a.append(text: "tc:Same|x|low") == ["tr:same_001|0.9|one_shot"])
        #expect(try b.append(text: "tc:Same|x|low") == ["tr:same_002|0.9|one_shot"])
        #expect(try a.append(text: "su:same_002|in_progress|0.1") == ["su:same_002|in_progress|0.1"])
        #expect(try b.append(text: "[rev=2] su:same_002|blocked|0.1") == ["su:same_002|blocked|0.1"])
        #expect(try LogIntegrity.check(log) == [])
    }

    @Test func aLateEventIsFoldedInValidTimeOrder() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        _ = try appender.append(
            text: """
                [valid=2025-06-01T12:00:00Z] ms:city|Paris|semantic
                [valid=2025-06-01T08:00:00Z] ms:city|Rome|semantic
                """)
        // Current state: the value with the latest valid time, whatever the recording order.
        #expect(try appender.liveEntity(StreamID(.memory, "city"))?.memory?.value == "Paris")
        // A command valid between the two sees Rome.
        #expect(try appender.append(text: "[valid=2025-06-01T09:00:00Z] ms:city|Oslo|semantic") == ["su:memory/city|stored|2"])
        #expect(try appender.liveEntity(StreamID(.memory, "city"))?.memory?.value == "Paris")
        #expect(try appender.liveEntity(StreamID(.memory, "city"))?.memory?.version == 3)
    }

    @Test func aCommandIsDecidedAsOfItsValidTime() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        _ = try appender.append(
            text: #"{"cmd":"task.create","id":"t","title":"T","intent":"x","complexity":"low","valid_at":"2025-06-02T00:00:00Z"}"#)
        // Before its creation in valid time the task does not exist.
        let early = try appender.append(text: "[valid=2025-06-01T12:00:00Z] su:t|in_progress|0.1")
        #expect(early.first?.hasPrefix("er:not_found|line 1: task 't' does not exist") == true)
        #expect(try appender.append(text: "[valid=2025-06-03T00:00:00Z] su:t|in_progress|0.1") == ["su:t|in_progress|0.1"])
    }

    @Test func aRetractedEventCountsAsNeverHavingHappened() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        _ = try appender.append(text: "tc:Fix bug|bugfix|low\nsu:fix_bug_001|in_progress|0.5\nsu:fix_bug_001|blocked|0.5")
        #expect(try appender.append(text: #"{"cmd":"event.retract","seq":3,"reason":"wrong task"}"#) == ["su:event/3|retracted|1"])
        #expect(try appender.liveEntity(StreamID(.task, "fix_bug_001"))?.task?.status == .inProgress)
        // The retraction is itself an event on the same stream; a fresh appender folds the same state.
        let fresh = try TestLog.appender(log)
        let (freshTask, task) = (
            try fresh.liveEntity(StreamID(.task, "fix_bug_001")), try appender.liveEntity(StreamID(.task, "fix_bug_001"))
        )
        #expect(freshTask == task)
        #expect(
            try appender.append(text: #"{"cmd":"event.retract","seq":4,"reason":"x"}"#).first?.hasPrefix("er:invalid_transition") == true)
        #expect(try appender.append(text: #"{"cmd":"event.retract","seq":99,"reason":"x"}"#).first?.hasPrefix("er:not_found") == true)
    }

    @Test func aGapInSeqIsReported() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic")
        try DatabaseQueue(path: path).write { db in
            try db.execute(
                sql:
                    "INSERT INTO events (seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash) SELECT seq + 2, stream, stream_rev + 1, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash FROM events WHERE seq = 1"
            )
        }
        let problems = try LogIntegrity.check(log)
        #expect(problems.first == LogIntegrity.Problem(seq: 3, what: "seq 2 is missing"))
    }

    @Test func theHashChainDetectsAnAlteredRow() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic\nms:b|2|semantic\nms:c|3|semantic")
        #expect(try LogIntegrity.check(log) == [])
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET valid_from = valid_from + 1 WHERE seq = 2")
        }
        let problems = try LogIntegrity.check(log)
        #expect(problems.map(\.seq) == [2])
    }
}

/// A bulk group (writes on the writing thread, reads waiting for them) gives exactly what the
/// same lines appended one at a time (inline writes) give.
@Suite struct WritePipelineTests {
    static func script() -> String {
        var lines: [String] = []
        for i in 0..<120 {
            lines.append("tc:Job \(i % 7)|work|low")
            lines.append("[id=m\(i)] ms:key_\(i % 5)|v\(i)|semantic")
            lines.append("[valid=2025-05-\(String(format: "%02d", i % 28 + 1))T00:00:00Z] ms:late_\(i % 3)|l\(i)|episodic")
            lines.append("su:job_\(i % 7)_001|in_progress|0.\(i % 9 + 1)")
            if i % 10 == 9 { lines.append(#"{"cmd":"event.retract","seq":\#(i * 3),"reason":"test"}"#) }
            if i % 15 == 0 { lines.append("[id=m\(i)] ms:key_\(i % 5)|v\(i)|semantic") }
        }
        return lines.joined(separator: "\n")
    }

    @Test func aBulkGroupEqualsLineByLineAppends() throws {
        let bulkLog = try TestLog.inMemory()
        let bulk = try TestLog.appender(bulkLog)
        let bulkAcks = try bulk.append(text: Self.script())
        #expect(bulkAcks.count > 400)

        let inlineLog = try TestLog.inMemory()
        let inline = try TestLog.appender(inlineLog)
        var inlineAcks: [String] = []
        for line in Self.script().split(separator: "\n") { inlineAcks += try inline.append(text: String(line)) }

        #expect(
            bulkAcks.map { $0.replacingOccurrences(of: #"line \d+: "#, with: "", options: .regularExpression) }
                == inlineAcks.map { $0.replacingOccurrences(of: #"line \d+: "#, with: "", options: .regularExpression) })
        #expect(try bulkLog.events() == inlineLog.events())
        #expect(try LogIntegrity.check(bulkLog) == [])
        #expect(bulk.live.streams.mapValues(\.fold.entity) == inline.live.streams.mapValues(\.fold.entity))
    }

    /// A bulk group decides as if its ids were new (the insert of a repeated one fails the
    /// group, which is then decided again looking each id up): retries of committed ids and of
    /// ids earlier in the same group, retries that would now be refused or append nothing, and
    /// a different command under a used id all get what line-by-line appends give them.
    @Test func repeatedIDsInABulkGroupGetWhatLineByLineAppendsGive() throws {
        var first: [String] = []
        for i in 0..<80 {
            first.append("[id=m\(i)] ms:key_\(i % 5)|v\(i)|semantic")
            if i % 20 == 0 { first.append("[id=t\(i)] tc:Job \(i)|work|low") }
        }
        first.append(#"{"cmd":"memory.forget","key":"key_0","command_id":"gone"}"#)
        var second: [String] = []
        for i in 0..<80 {
            second.append("[id=n\(i)] ms:new_\(i % 4)|w\(i)|semantic")
            // Committed ids: a retry that would append again, and one that would now be refused.
            if i % 9 == 0 { second.append("[id=m\(i)] ms:key_\(i % 5)|v\(i)|semantic") }
            if i == 40 { second.append(#"{"cmd":"memory.forget","key":"key_0","command_id":"gone"}"#) }
            if i == 41 { second.append("[id=t20] tc:Job 20|work|low") }
            // An id of this group, retried in it; and a used id on a different command.
            if i % 13 == 12 { second.append("[id=n\(i - 1)] ms:new_\((i - 1) % 4)|w\(i - 1)|semantic") }
            if i == 50 { second.append("[id=m3] ms:key_3|other|semantic") }
            if i == 60 { second.append("[id=n2] ms:forgot_this|x|semantic") }
        }
        // A group without repeats (after one with repeats, ids are looked up until one has none);
        // then one with only retries that append nothing (those are looked up, not found by the
        // insert): it is decided once, as if its ids were new.
        let plain = (0..<70).map { "[id=r\($0)] ms:r|\($0)|semantic" }
        var third = (0..<70).map { "[id=p\($0)] ms:third_\($0 % 3)|z\($0)|semantic" }
        third.insert(#"{"cmd":"memory.forget","key":"key_0","command_id":"gone"}"#, at: 10)
        third.insert(#"{"cmd":"memory.forget","key":"new_1","command_id":"g2"}"#, at: 20)
        third.insert(#"{"cmd":"memory.forget","key":"new_1","command_id":"g2"}"#, at: 30)
        func run(bulk: Bool) throws -> (acks: [String], events: [RecordedEvent]) {
            let log = try TestLog.inMemory()
            let appender = try TestLog.appender(log)
            var acks: [String] = []
            for input in [first, second, plain, third] {
                if bulk {
                    #expect(input.count >= Appender.pipelineThreshold)
                    acks += try appender.append(text: input.joined(separator: "\n"))
                } else {
                    for line in input { acks += try appender.append(text: line) }
                }
            }
            return (acks.map { $0.replacingOccurrences(of: #"line \d+: "#, with: "", options: .regularExpression) }, try log.events())
        }
        let bulk = try run(bulk: true)
        let inline = try run(bulk: false)
        #expect(bulk.acks == inline.acks)
        #expect(bulk.events == inline.events)
        #expect(bulk.acks.filter { $0.hasPrefix("er:conflict") }.count == 2)
        // The retried forget (the key is gone now: deciding it again would refuse it).
        #expect(bulk.acks.filter { $0.hasPrefix("su:memory/key_0|forgotten|") }.count == 3)
        #expect(bulk.acks.filter { $0.hasPrefix("su:memory/new_1|forgotten|") }.count == 2)
    }
}

/// Defects found in review, each pinned by a test.
@Suite struct AppendRegressionTests {

    /// A write that fails rolls the whole group back (bulk or small): no ack of it is given,
    /// nothing of it is committed, and the appender goes on from what the log really holds.
    @Test(arguments: [10, 80])
    func aFailedWriteRollsTheWholeGroupBack(lines: Int) throws {
        let (log, path) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        _ = try appender.append(text: "ms:seed|0|semantic")
        try DatabaseQueue(path: path).write { db in
            try db.execute(
                sql:
                    "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.stream = 'memory/boom' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
        }
        var text = (0..<lines).map { "ms:k\($0 % 5)|v\($0)|semantic" }
        text.insert("ms:boom|x|semantic", at: lines / 4)
        text.insert("[valid=2025-05-01T00:00:00Z] ms:k1|late|semantic", at: lines - 2)
        #expect(throws: (any Error).self) { try appender.append(text: text.joined(separator: "\n")) }
        #expect(try log.events().count == 1)
        #expect(try LogIntegrity.check(log) == [])
        try DatabaseQueue(path: path).write { try $0.execute(sql: "DROP TRIGGER boom") }
        #expect(try appender.append(text: "ms:k0|after|semantic") == ["su:memory/k0|stored|1"])
        #expect(try log.events().map(\.seq) == [1, 2])
        #expect(try LogIntegrity.check(log) == [])
    }

    /// Catching up through a retraction or a late event folds each event once.
    @Test func catchUpThroughARetractionFoldsEachEventOnce() throws {
        let (log, _) = try TestLog.temporaryLog()
        let writer = try TestLog.appender(log)
        // Open before the writer appends (it catches up event by event), and after (it loads the
        // streams from the log when they are first needed).
        let reader = try TestLog.appender(log)
        _ = try writer.append(
            text: """
                ms:k|one|semantic
                {"cmd":"event.retract","seq":1,"reason":"x"}
                ms:k|two|semantic
                ms:m|a|semantic
                [valid=2025-05-01T00:00:00Z] ms:m|early|semantic
                ms:m|b|semantic
                """)
        _ = try reader.append(text: "")
        let opened = try TestLog.appender(log)
        for stream in [StreamID(.memory, "k"), StreamID(.memory, "m")] {
            let expected = try writer.liveEntity(stream)
            #expect(try reader.liveEntity(stream) == expected)
            #expect(try opened.liveEntity(stream) == expected)
        }
        #expect(try reader.liveEntity(StreamID(.memory, "k"))?.memory?.version == 1)
        #expect(try reader.liveEntity(StreamID(.memory, "m"))?.memory?.version == 3)
        #expect(try opened.append(text: "ms:k|three|semantic") == ["su:memory/k|stored|2"])
        #expect(try reader.append(text: "ms:k|four|semantic") == ["su:memory/k|stored|3"])
    }

    /// A retried tc: (same id) is still the task ts:auto names.
    @Test func aRetriedTaskCreationIsTheTaskTsAutoNames() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: "[id=c1] tc:Auth System|code|high")
        let second = try TestLog.appender(EventLog(path: path, logger: TestLog.silentLogger))
        #expect(
            try second.append(text: "[id=c1] tc:Auth System|code|high\nts:auto|0.5|too big") == [
                "tr:auth_system_001|0.6|guided", "su:auth_system_001|splitting|0",
            ])
    }

    /// cl: of a context path answers as of the command's valid time, like cl: of a task.
    @Test func aContextPathIsLoadedAsOfTheValidTime() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        _ = try appender.append(
            text: """
                {"cmd":"task.create","id":"a1","title":"A","intent":"x","complexity":"low","context_cascade":"ctx/dev","valid_at":"2025-06-01T09:00:00Z"}
                [valid=2025-06-01T12:00:00Z] su:a1|in_progress|0.5
                {"cmd":"task.update","id":"a1","set":{"context_cascade":"ctx/ops"},"valid_at":"2025-06-01T13:00:00Z"}
                """)
        #expect(try appender.append(text: "cl:ctx/dev|summary") == ["cl:ctx/dev|1 task: a1 (pending)"])
        #expect(try appender.append(text: "[valid=2025-06-01T12:30:00Z] cl:ctx/dev|summary") == ["cl:ctx/dev|1 task: a1 (in_progress)"])
        #expect(try appender.append(text: "[valid=2025-06-01T14:00:00Z] cl:ctx/dev|summary").first?.hasPrefix("er:not_found") == true)
        #expect(try appender.append(text: "[valid=2025-06-01T14:00:00Z] cl:ctx/ops|summary") == ["cl:ctx/ops|1 task: a1 (in_progress)"])
    }

    /// A retry whose JSON members come in another order is the same command.
    @Test func aRetryWithReorderedJSONIsTheSameCommand() throws {
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let first = try appender.append(text: #"{"cmd":"memory.store","id":"m1","key":"k","value":{"a":1,"b":[{"y":2,"x":1}]}}"#)
        let retry = try appender.append(text: #"{"value":{"b":[{"x":1,"y":2}],"a":1},"key":"k","id":"m1","cmd":"memory.store"}"#)
        #expect(retry == first)
        #expect(try log.events().count == 1)
    }

    /// Commits do not checkpoint the WAL themselves; the checkpointing thread copies it back
    /// into the database file while the log stays open.
    @Test func theWALIsCopiedBackWhileTheLogIsOpen() throws {
        let (log, path) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let initialSize = try fileSize(path)
        // About 3,000 pages of WAL, past the checkpointing mark of 1,000 (values that LZ4 cannot shrink).
        var seed: UInt64 = 42
        let lines = (1...4_000).map { i in
            let value = (0..<2_000).map { _ -> Character in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Character(UnicodeScalar(UInt8(97 + (seed >> 33) % 26)))
            }
            return "ms:key_\(i)|\(String(value))|semantic"
        }
        _ = try appender.append(text: lines.joined(separator: "\n"))
        var size = try fileSize(path)
        let deadline = Date().addingTimeInterval(30)
        while size < initialSize + 4_000_000, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            size = try fileSize(path)
        }
        #expect(size >= initialSize + 4_000_000, "database file \(size) bytes, WAL not copied back")
        #expect(try LogIntegrity.check(log).isEmpty)
        #expect(try log.events().count == 4_000)
    }

    /// After small commits (an interactive writer's) the WAL is copied back within the commit
    /// that passes the mark, as SQLite's automatic checkpoint would.
    @Test func smallCommitsCheckpointAsTheyGo() throws {
        let path = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let log = try EventLog(path: path, durability: .normal, logger: TestLog.silentLogger)
        let appender = try TestLog.appender(log)
        var seed: UInt64 = 7
        for i in 1...1_500 {
            let value = String(
                (0..<3_000).map { _ -> Character in
                    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Character(UnicodeScalar(UInt8(97 + (seed >> 33) % 26)))
                })
            #expect(try appender.append(text: "ms:key_\(i)|\(value)|semantic").first?.hasPrefix("su:") == true)
        }
        // No waiting: the checkpoint ran inside one of the commits.
        #expect(try fileSize(path) >= 3_000_000)
        #expect(try log.events().count == 1_500)
    }

    /// A long bulk pipe's WAL does not grow with it: past 64 MiB a bulk commit checkpoints
    /// before it returns, and the next group starts the WAL over.
    @Test func aLongBulkPipeKeepsItsWALBounded() throws {
        let (log, path) = try TestLog.temporaryLog()
        // 340 MB of files: removed whatever the outcome.
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let appender = try TestLog.appender(log)
        // One random block; each row takes its own 4,000-byte window of it (payloads are
        // compressed one by one, so windows of one block do not shrink).
        var seed: UInt64 = 99
        var block: [UInt8] = []
        for _ in 0..<65_536 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Letters and digits only: nothing the coded language escapes.
            block.append(Self.alphabet[Int((seed >> 33) % UInt64(Self.alphabet.count))])
        }
        // Five groups of about 30 MB of rows, made first so that each group starts as soon as
        // the one before commits, as in a pipe (a background checkpoint is then still running).
        let groups = try (0..<5).map { group in
            try (0..<8_000).map { i in
                let start = (i * 7_919 + group * 104_729) % (block.count - 4_000)
                let text = "ms:g\(group)_\(i)|" + String(decoding: block[start..<start + 4_000], as: UTF8.self) + "|semantic"
                guard case .command(let c, let e) = try CodedLanguage.parse(line: text[...]) else {
                    throw CommandError(.parse, "not a command", recovery: "-")
                }
                return Appender.Line(number: i + 1, parsed: .success((c, e)))
            }
        }
        for group in groups { _ = try appender.append(group) }
        let written = 5 * 8_000
        let wal = try fileSize(path + "-wal")
        let database = try fileSize(path)
        #expect(database > 100_000_000, "the rows reached the database file: \(database) bytes")
        #expect(wal < 110_000_000, "WAL \(wal) bytes after \(database) bytes of database")
        #expect(try log.events().count == written)
    }

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

/// SHA-256 as the hash chain computes it: the known answers of FIPS 180-2.
@Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
])
func sha256GivesTheKnownAnswers(input: String, hex: String) {
    #expect(SHA256.hash(Array(input.utf8)).map { String(format: "%02x", $0) }.joined() == hex)
}

/// `event.retract` checks an expected revision against its target's stream, where it is appended.
@Test func aRetractionChecksTheExpectedRevisionOfItsTargetsStream() throws {
    let log = try TestLog.inMemory()
    let appender = try TestLog.appender(log)
    _ = try appender.append(text: "ms:k|a|semantic\nms:k|b|semantic")
    let acks = try appender.append(
        text: """
            {"cmd":"event.retract","seq":1,"reason":"r","expected_rev":99}
            {"cmd":"event.retract","seq":1,"reason":"r","expected_rev":0}
            {"cmd":"event.retract","seq":1,"reason":"r","expected_rev":2}
            """)
    #expect(acks[0] == "er:conflict|line 1: memory/k is at revision 2, not 99|read memory/k again and retry with expected_rev 2")
    #expect(acks[1].hasPrefix("er:conflict|line 2: memory/k is at revision 2, not 0|"))
    #expect(acks[2] == "su:event/1|retracted|1")
    #expect(try log.events().count == 3)
}
