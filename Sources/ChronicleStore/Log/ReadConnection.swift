internal import GRDBSQLite

/// A read-only connection of its own on the log's file: the second part of a two-thread scan,
/// and the reads of committed rows an appender makes while its bulk group's writes run on the
/// writing thread (the main connection is then the writer's).
///
/// Each statement reads the newest committed state, unless a snapshot is held
/// (``holdSnapshot()``): then every read sees the state of the first one, and none of them takes
/// the file's locks again. Used by one thread at a time.
final class ReadConnection: @unchecked Sendable {  // one thread at a time, as SQLITE_OPEN_NOMUTEX requires
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// Nil when the file cannot be opened (the caller then reads on its main connection).
    init?(path: String) {
        SQLiteSettings.applied
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            return nil
        }
        sqlite3_busy_timeout(db, 60_000)
        handle = db
    }

    private var holding = false

    /// From the next read until ``releaseSnapshot()``, reads see the log as that read finds it,
    /// in one read transaction: a bulk group's reads of committed rows (the group's own writer
    /// holds the write lock, so nothing is committed meanwhile) then cost no lock round trips,
    /// which the writing thread of the same process would otherwise contend for.
    func holdSnapshot() throws {
        guard !holding else { return }
        try execute("BEGIN DEFERRED")
        holding = true
    }

    /// Ends the read transaction of ``holdSnapshot()``, if one is held.
    func releaseSnapshot() {
        guard holding else { return }
        holding = false
        // A read transaction has nothing to roll back; this only releases its locks.
        _ = sqlite3_exec(handle, "COMMIT", nil, nil, nil)
    }

    private func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw StoreError.read(reason: String(cString: sqlite3_errmsg(handle)))
        }
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
