internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

extension LogTransaction {
    /// The newest revision of `stream` (its number of events; 0 when it has none): one seek.
    func newestRevision(of stream: StreamID) throws -> Int {
        try settle()
        let s = try db.cachedStatement(sql: "SELECT max(stream_rev) FROM events WHERE stream = ?")
        let h = s.sqliteStatement
        defer { resetAndClear(h) }
        bindText(h, 1, stream.description)
        guard try step(h) else { return 0 }
        return Int(sqlite3_column_int64(h, 0))
    }

    /// Every stream of `kind` with its number of events, in name order. A stream's revisions are
    /// 1, 2, 3 … (UNIQUE, and `verify` checks there is no gap), so its newest revision is its
    /// count: one seek into the stream index per stream (a loose index scan), not a read of
    /// every entry.
    func streamCounts(of kind: EntityKind) throws -> [(stream: String, count: Int)] {
        try settle()
        let s = try db.cachedStatement(
            sql: """
                WITH RECURSIVE s(name) AS (
                    SELECT min(stream) FROM events WHERE stream >= ?1 AND stream < ?2
                    UNION ALL
                    SELECT (SELECT min(stream) FROM events WHERE stream > s.name AND stream < ?2) FROM s WHERE s.name IS NOT NULL)
                SELECT name, (SELECT max(stream_rev) FROM events WHERE stream = s.name) FROM s WHERE name IS NOT NULL
                """)
        let h = s.sqliteStatement
        defer { resetAndClear(h) }
        bindText(h, 1, kind.rawValue + "/")
        bindText(h, 2, kind.rawValue + "0")
        var out: [(stream: String, count: Int)] = []
        while try step(h) {
            out.append((String(cString: sqlite3_column_text(h, 0)), max(0, Int(sqlite3_column_int64(h, 1)))))
        }
        return out
    }
}
