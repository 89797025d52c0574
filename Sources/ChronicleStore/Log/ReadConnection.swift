internal import GRDBSQLite

/// A read-only connection of its own on the log's file: the second part of a two-thread scan,
/// and the reads of committed rows an appender makes while its bulk group's writes run on the
/// writing thread (the main connection is then the writer's).
///
/// Each statement reads the newest committed state (no transaction is held between them). Used
/// by one thread at a time.
final class ReadConnection: @unchecked Sendable {  // one thread at a time, as SQLITE_OPEN_NOMUTEX requires
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// Nil when the file cannot be opened (the caller then reads on its main connection).
    init?(path: String) {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            return nil
        }
        sqlite3_busy_timeout(db, 60_000)
        handle = db
    }

    /// The statement for `sql`, prepared on first use and kept.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let h = statements[sql] { return h }
        var h: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &h, nil) == SQLITE_OK, let h else {
            throw StoreError.read(reason: String(cString: sqlite3_errmsg(handle)))
        }
        statements[sql] = h
        return h
    }

    deinit {
        for h in statements.values { sqlite3_finalize(h) }
        sqlite3_close_v2(handle)
    }
}
