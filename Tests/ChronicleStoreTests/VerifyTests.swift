import ChronicleCore
import ChronicleTesting
import Foundation
import GRDB
import Testing

@testable import ChronicleStore

/// `verify` finds any change to any stored byte: every column of every row is altered in turn
/// (with the update trigger dropped) and the check must name the row.
@Suite struct VerifyTests {
    static let script = """
        tc:Build the API|feature|high
        [id=c1] ms:theme|dark|semantic
        su:build_the_api_001|in_progress|0.5
        {"cmd":"task.split","id":"build_the_api_001","confidence":0.4,"reason":"too big","into":[{"title":"Schema","intent":"feature","complexity":"low"},{"title":"Routes","intent":"feature","complexity":"medium"}]}
        ms:notes|\(String(repeating: "a long note that compresses well; ", count: 40))|episodic
        [valid=2025-05-01T00:00:00Z] ms:theme|light|semantic
        wf:deploy|{env:'prod'}
        {"cmd":"event.retract","seq":2,"reason":"wrong theme"}
        """

    static let columns = [
        "seq", "stream", "stream_rev", "type", "type_version", "valid_from", "recorded_at", "command_id", "codec", "payload", "hash",
    ]

    @Test func aFlippedByteInAnyColumnOfAnyRowIsReported() throws {
        let (log, path) = try TestLog.temporaryLog()
        let acks = try TestLog.appender(log).append(text: Self.script)
        #expect(!acks.contains { $0.hasPrefix("er:") }, "\(acks)")
        #expect(try LogIntegrity.check(log) == [])
        #expect(try log.read { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM events WHERE codec = 1") } == 1)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "DROP TRIGGER events_no_update") }
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM events ORDER BY seq") }
        #expect(rows.count >= 10)
        var cases = 0
        for row in rows {
            let seq: Int64 = row["seq"]
            for column in Self.columns {
                let original: DatabaseValue = row[column]
                let altered = Self.flip(original, column: column)
                let alteredSeq = column == "seq" ? (Int64.fromDatabaseValue(altered) ?? seq) : seq
                try queue.write { db in
                    try db.execute(sql: "UPDATE events SET \(column) = ? WHERE seq = ?", arguments: [altered, seq])
                }
                let problems = try LogIntegrity.check(log)
                // A moved seq is reported where it went missing (the next row) or where it went.
                let expected: Set<Int64> = column == "seq" ? [seq + 1, alteredSeq] : [seq]
                #expect(problems.contains { expected.contains($0.seq) }, "\(column) of seq \(seq): \(problems)")
                try queue.write { db in
                    try db.execute(sql: "UPDATE events SET \(column) = ? WHERE seq = ?", arguments: [original, alteredSeq])
                }
                cases += 1
            }
        }
        #expect(cases == rows.count * Self.columns.count)
        #expect(try LogIntegrity.check(log) == [])
    }

    /// A retraction that names a later event or a retraction, or lies on another stream than its
    /// target's, is reported though every hash holds: the script's last row (a retraction of #3,
    /// on task/build_the_api_001) is rewritten with its hash computed again (the appender and
    /// `import` refuse such a row; a log written otherwise could hold one).
    @Test(arguments: [
        ("memory/notes", #""seq":3"#, "not on its target's stream"),
        ("task/build_the_api_001", #""seq":99"#, "not an earlier event"),
        ("memory/theme", #""seq":10"#, "itself a retraction"),
    ])
    func aRetractionOffItsTargetIsReported(stream: String, target: String, problem: String) throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: Self.script + "\n" + #"{"cmd":"event.retract","seq":3,"reason":"wrong status"}"#)
        #expect(try LogIntegrity.check(log) == [])
        let seq = try Self.rewriteLast(path, stream: stream) { $0.replacingOccurrences(of: #""seq":3"#, with: target) }
        #expect(seq == 11)
        let problems = try LogIntegrity.check(log)
        #expect(problems.map(\.seq) == [seq], "\(problems)")
        #expect(problems.first?.what.contains(problem) == true, "\(problems)")
    }

    /// An event stored on a stream of another kind than its type's is reported.
    @Test func anEventOnAStreamOfAnotherKindIsReported() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: "ms:a|1|semantic")
        #expect(try Self.rewriteLast(path, stream: "task/a") { $0 } == 1)
        #expect(try LogIntegrity.check(log) == [LogIntegrity.Problem(seq: 1, what: "a memory.stored event on stream task/a")])
    }

    /// Moves the log's last row to `stream` (its next revision there) with its JSON payload
    /// changed by `edit`, and stores the hash the row's new content chains to.
    static func rewriteLast(_ path: String, stream: String, edit: (String) -> String) throws -> Int64 {
        try DatabaseQueue(path: path).write { db -> Int64 in
            try db.execute(sql: "DROP TRIGGER IF EXISTS events_no_update")
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM events ORDER BY seq DESC LIMIT 1"))
            let seq: Int64 = row["seq"]
            let codec: Int = row["codec"]
            #expect(codec == 0)
            let previous = try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [seq - 1]).map { [UInt8]($0) }
            let revision =
                try Int.fetchOne(db, sql: "SELECT max(stream_rev) FROM events WHERE stream = ? AND seq < ?", arguments: [stream, seq]) ?? 0
            let stored: String = row["payload"]
            let payload = Array(edit(stored).utf8)
            let hash = HashChain.hash(
                previous: previous ?? HashChain.genesis, seq: seq, stream: stream, streamRevision: revision + 1, type: row["type"],
                typeVersion: row["type_version"], validFrom: row["valid_from"], recordedAt: row["recorded_at"],
                commandID: row["command_id"], codec: 0, payload: payload)
            try db.execute(
                sql: "UPDATE events SET stream = ?, stream_rev = ?, payload = ?, hash = ? WHERE seq = ?",
                arguments: [stream, revision + 1, String(decoding: payload, as: UTF8.self), Data(hash), seq])
            return seq
        }
    }

    /// One byte of the value flipped: the lowest byte of an integer (the fifth for `seq` and
    /// `stream_rev`, which must stay unique), the middle byte of a text or blob.
    static func flip(_ value: DatabaseValue, column: String) -> DatabaseValue {
        switch value.storage {
        case .int64(let n): return (column == "seq" || column == "stream_rev" ? n ^ (1 << 32) : n ^ 1).databaseValue
        case .string(let s):
            var bytes = Array(s.utf8)
            bytes[bytes.count / 2] ^= 1
            return String(decoding: bytes, as: UTF8.self).databaseValue
        case .blob(let data):
            var bytes = [UInt8](data)
            bytes[bytes.count / 2] ^= 1
            return Data(bytes).databaseValue
        case .double, .null: return value
        }
    }
}
