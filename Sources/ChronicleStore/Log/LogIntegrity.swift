internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// The structural invariants of the log, checked row by row: the hash chain, gap-free `seq`,
/// per-stream revisions 1, 2, 3 …, `recorded_at` never decreasing, payloads decodable.
public enum LogIntegrity {
    /// One thing wrong, at one position.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var what: String
        public var description: String { "seq \(seq): \(what)" }
    }

    /// Every problem found, in log order (empty for a sound log).
    /// - Complexity: O(n) over all rows; memory O(number of streams).
    public static func check(_ log: EventLog) throws -> [Problem] {
        try log.read { tx in try check(tx) }
    }

    static func check(_ tx: LogTransaction) throws -> [Problem] {
        var problems: [Problem] = []
        var previousHash = HashChain.genesis
        var expectedSeq: Int64 = 1
        var lastRecorded = Int64.min
        var revisions: [String: Int] = [:]
        let statement = try tx.db.makeStatement(
            sql:
                "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash FROM events ORDER BY seq"
        )
        let h = statement.sqliteStatement
        var rc = sqlite3_step(h)
        defer { sqlite3_reset(h) }
        while rc == SQLITE_ROW {
            defer { rc = sqlite3_step(h) }
            let seq = sqlite3_column_int64(h, 0)
            func fail(_ what: String) { problems.append(Problem(seq: seq, what: what)) }
            let stream = String(cString: sqlite3_column_text(h, 1))
            let rev = Int(sqlite3_column_int64(h, 2))
            let type = String(cString: sqlite3_column_text(h, 3))
            let version = Int(sqlite3_column_int64(h, 4))
            let valid = sqlite3_column_int64(h, 5)
            let recorded = sqlite3_column_int64(h, 6)
            let command = String(cString: sqlite3_column_text(h, 7))
            let codec = Int(sqlite3_column_int64(h, 8))
            let payload = columnBlob(h, 9)
            let hash = columnBlob(h, 10)
            if seq != expectedSeq { fail("expected seq \(expectedSeq) (a gap or a repeat)") }
            expectedSeq = seq + 1
            if recorded < lastRecorded { fail("recorded_at goes back in time") }
            lastRecorded = recorded
            let expectedRev = revisions[stream, default: 0] + 1
            if rev != expectedRev { fail("\(stream) revision \(rev), expected \(expectedRev)") }
            revisions[stream] = rev
            if StreamID(stream) == nil { fail("stream '\(stream)' is not kind/id") }
            do {
                _ = try PayloadCodec.event(type: type, version: version, codec: codec, payload: payload)
            } catch {
                fail("payload: \(error)")
            }
            let computed = HashChain.hash(
                previous: previousHash, seq: seq, stream: stream, streamRevision: rev, type: type, typeVersion: version,
                validFrom: valid, recordedAt: recorded, commandID: command, codec: codec, payload: payload)
            if computed != hash { fail("hash does not match the row's content and the previous hash") }
            previousHash = hash
        }
        if rc != SQLITE_DONE {
            throw StoreError.read(reason: String(cString: sqlite3_errmsg(sqlite3_db_handle(h))))
        }
        return problems
    }
}

func columnBlob(_ h: OpaquePointer, _ i: Int32) -> [UInt8] {
    let n = Int(sqlite3_column_bytes(h, i))
    guard n > 0, let p = sqlite3_column_blob(h, i) else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: n))
}
