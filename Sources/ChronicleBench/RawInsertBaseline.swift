import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The baselines: the appender's rows inserted with raw prepared `sqlite3` statements into a
/// fresh database in WAL mode, in batches (bulk) or one row per commit (interactive).
enum RawInsertBaseline {
    /// Which part of `schema/001_events.sql` the fresh database gets.
    enum Schema: String {
        /// `CREATE TABLE events` only: the same columns and `UNIQUE (stream, stream_rev)`.
        case eventsTable = "events table + UNIQUE"
        /// Every statement of the file: also its other tables, indexes and triggers.
        case full = "full schema 001"
    }

    struct BulkResult {
        var rows: Int
        var seconds: Double
        var cpuSeconds: Double
        var rowsPerSecond: Double { Double(rows) / seconds }
    }

    /// Opens a fresh database at `path` with the pragmas the appender uses and `schema`.
    static func freshDatabase(at path: String, schemaSQL: String, schema: Schema, synchronous: String) throws -> RawDatabase {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        let db = try RawDatabase(path: path)
        try db.setPragmas(synchronous: synchronous)
        switch schema {
        case .eventsTable: try db.executeScript(schemaSQL, only: ["CREATE TABLE events "])
        case .full: try db.executeScript(schemaSQL)
        }
        return db
    }

    /// Inserts every row, `batch` rows per `BEGIN IMMEDIATE … COMMIT`, and times it (opening
    /// the database and creating the schema excluded).
    static func bulk(_ rows: EventRows, into db: RawDatabase, batch: Int) throws -> BulkResult {
        let insert = try db.prepare(EventRows.insert)
        defer { sqlite3_finalize(insert) }
        let cpu = processCPUSeconds()
        let watch = Stopwatch()
        try rows.bytes.withUnsafeBufferPointer { arena in
            var i = 0
            while i < rows.count {
                try db.execute("BEGIN IMMEDIATE")
                let end = min(rows.count, i + batch)
                while i < end {
                    rows.bind(i, to: insert, arena: arena)
                    guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError.sqlite(path: db.path, message: db.lastError) }
                    sqlite3_reset(insert)
                    i += 1
                }
                try db.execute("COMMIT")
            }
        }
        return BulkResult(rows: rows.count, seconds: watch.elapsedSeconds, cpuSeconds: processCPUSeconds() - cpu)
    }

    /// Inserts rows `0..<warmUp + count` one per transaction (`BEGIN IMMEDIATE`, `INSERT`,
    /// `COMMIT`) and returns the latency of each of the last `count`, in milliseconds.
    static func perRowCommit(_ rows: EventRows, into db: RawDatabase, warmUp: Int, count: Int) throws -> [Double] {
        let insert = try db.prepare(EventRows.insert)
        defer { sqlite3_finalize(insert) }
        let begin = try db.prepare("BEGIN IMMEDIATE")
        defer { sqlite3_finalize(begin) }
        let commit = try db.prepare("COMMIT")
        defer { sqlite3_finalize(commit) }
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        try rows.bytes.withUnsafeBufferPointer { arena in
            for i in 0..<min(rows.count, warmUp + count) {
                let watch = Stopwatch()
                for statement in [begin, insert, commit] {
                    if statement == insert { rows.bind(i, to: insert, arena: arena) }
                    guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchError.sqlite(path: db.path, message: db.lastError) }
                    sqlite3_reset(statement)
                }
                if i >= warmUp { latencies.append(watch.elapsedMilliseconds) }
            }
        }
        return latencies
    }
}
