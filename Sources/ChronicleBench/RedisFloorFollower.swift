import ChronicleRedis
import Foundation
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The floor the follow lag of `chronicle project redis --follow` is compared with: the least a
/// follower of the log must do to put each commit into Redis and announce it. It wakes as
/// ``FloorWake`` says, reads the new rows' `seq`, `stream` and `stream_rev` (one prepared
/// statement), and sends, pipelined in one `MULTI`/`EXEC`, one `HSET {prefix}tasks:{id}
/// revision {stream_rev}` and one `PUBLISH {prefix}chronicle:changes "[seq=N] su:{id}"` per row.
/// No payload is decoded, no state folded, no key coalesced, no checkpoint written: what is
/// left of the projector's lag above this is its own work.
final class RedisFloorFollower: @unchecked Sendable {  // the wake's thread alone uses the database and the connection
    private let database: RawDatabase
    private let rows: OpaquePointer
    private let connection: RedisConnection
    private let prefix: String
    private let wake: FloorWake
    private var last: Int64 = 0

    init(logPath: String, url: RedisURL, prefix: String) throws {
        self.prefix = prefix
        database = try RawDatabase(path: logPath)
        rows = try database.prepare("SELECT seq, stream, stream_rev FROM events WHERE seq > ? ORDER BY seq")
        connection = try RedisConnection(url: url)
        last = try database.integer("SELECT coalesce(max(seq), 0) FROM events")
        wake = try FloorWake(logPath: logPath)
    }

    deinit { sqlite3_finalize(rows) }

    /// Starts following on a thread of its own.
    func start() { wake.start { [self] in try publishNewRows() } }

    /// Stops the thread and waits for it; throws what stopped it early, if anything did.
    func stop() throws { try wake.stop() }

    /// Sends the rows after `last` in one transaction; false when there were none.
    private func publishNewRows() throws -> Bool {
        var commands: [[String]] = [["MULTI"]]
        sqlite3_bind_int64(rows, 1, last)
        defer { sqlite3_reset(rows) }
        var rc = sqlite3_step(rows)
        while rc == SQLITE_ROW {
            let seq = sqlite3_column_int64(rows, 0)
            let stream = String(cString: sqlite3_column_text(rows, 1))
            let revision = sqlite3_column_int64(rows, 2)
            let id = stream.split(separator: "/", maxSplits: 1).last.map(String.init) ?? stream
            commands.append(["HSET", "\(prefix)tasks:\(id)", "revision", String(revision)])
            commands.append(["PUBLISH", "\(prefix)chronicle:changes", "[seq=\(seq)] su:\(id)"])
            last = seq
            rc = sqlite3_step(rows)
        }
        guard rc == SQLITE_DONE else { throw BenchError.sqlite(path: database.path, message: database.lastError) }
        guard commands.count > 1 else { return false }
        commands.append(["EXEC"])
        let replies = try connection.send(commands)
        if let refused = replies.first(where: { $0.errorMessage != nil }) {
            throw BenchError.ackMismatch(what: "floor follower", detail: refused.errorMessage ?? "")
        }
        return true
    }
}
