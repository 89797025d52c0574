public import ChronicleCore
internal import Foundation
internal import GRDB
internal import GRDBSQLite
public import Logging

/// The bi-temporal event log: one SQLite database in WAL mode, table `events`, append-only.
///
/// Opening applies the numbered migrations of `schema/` that the file lacks. Writes go through
/// ``write(_:)``, one `BEGIN IMMEDIATE` transaction at a time, so several processes may append
/// to one file: each waits its turn (busy timeout) and sees what the others committed.
public final class EventLog: @unchecked Sendable {
    // Sendable unchecked: its mutable fields are set in init or inside write(_:), which the GRDB queue runs one at a time.
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: an acked command survives power loss (the default).
        case full
        /// `synchronous=NORMAL`: an acked command survives a crash of the process, but the last
        /// commits may be lost on power loss. Several times faster for one-at-a-time appends.
        case normal
    }

    /// Set on every connection before anything else. A 64 MiB page cache keeps the
    /// `(stream, stream_rev)` index's pages hot: bulk appends touch pages all over it. 4 KiB
    /// pages (measured against 16 KiB): each interactive commit syncs fewer bytes, p99 0.75-0.8 ms
    /// against 0.99-1.24 ms; raw bulk inserts would be ~25% faster with 16 KiB, the appender's
    /// were not. Temporary tables and indexes stay in memory.
    public static let tuningPragmas = [
        "PRAGMA page_size = 4096",
        "PRAGMA cache_size = -65536",
        "PRAGMA temp_store = MEMORY",
    ]

    public let path: String
    private let busyTimeoutMilliseconds: Double
    let queue: DatabaseQueue
    let logger: Logger
    let hot = HotStatements()
    /// Encodes and chains the rows inserted on the connection (one thread at a time).
    let encoder = EventEncoder()

    /// Opens (creating if needed) the log at `path`; `:memory:` gives a private in-memory log.
    ///
    /// A reader (`forWriting: false`: queries, `tail`, `verify`) never takes the write lock when
    /// the file is up to date, and starts no checkpointing thread.
    public init(
        path: String, durability: Durability = .full, busyTimeoutSeconds: Double = 60, forWriting: Bool = true, logger: Logger
    ) throws(StoreError) {
        SQLiteSettings.applied
        self.path = path
        self.logger = logger
        busyTimeoutMilliseconds = busyTimeoutSeconds * 1_000
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutSeconds)
        // A reader keeps the journal mode the file has (WAL, once a writer opened it): setting it
        // may write, and would wait for the write lock.
        config.journalMode = path == ":memory:" || !forWriting ? .default : .wal
        config.prepareDatabase { db in
            for pragma in Self.tuningPragmas { try db.execute(sql: pragma) }
        }
        do {
            queue =
                path == ":memory:"
                ? try DatabaseQueue(configuration: config) : try Self.openQueue(path, config, waitingUpTo: busyTimeoutSeconds)
            // After opening: setting up WAL mode sets synchronous=NORMAL on the connection.
            try queue.inDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            }
            if path != ":memory:", forWriting {
                let checkpointer = try Checkpointer(path: path, busyTimeoutSeconds: busyTimeoutSeconds, logger: logger)
                queue.inDatabase { db in checkpointer.watch(db) }
                self.checkpointer = checkpointer
            }
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        try migrate()
    }

    /// Opens the file, again while another process holds it in a way SQLite reports at once
    /// rather than through the busy timeout: several appenders opening a new log together all
    /// switch it to WAL and write GRDB's first WAL frame, and a connection whose read snapshot
    /// went stale meanwhile gets "database is locked" without waiting.
    private static func openQueue(_ path: String, _ config: Configuration, waitingUpTo seconds: Double) throws -> DatabaseQueue {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
        var pause = 0.002
        while true {
            do {
                return try DatabaseQueue(path: path, configuration: config)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: pause * Double.random(in: 0.5...1.5))
                pause = min(pause * 2, 0.1)
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        return "\(error)"
    }

    /// Applies the migrations the file lacks, recorded in `grdb_migrations` (the table GRDB's
    /// migrator keeps, so older logs read the same). They are read and applied in one
    /// `BEGIN IMMEDIATE` transaction: several processes opening a new log at once apply each
    /// migration exactly once (the first to take the write lock applies them, the others then
    /// find them applied).
    private func migrate() throws(StoreError) {
        var current = EmbeddedMigrations.all.first?.name ?? "?"
        do {
            // Up to date (the usual case): a plain read, no write lock.
            let applied = try queue.inDatabase { db -> Set<String> in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            }
            if EmbeddedMigrations.all.allSatisfy({ applied.contains($0.name) }) { return }
            try queue.inDatabase { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                    let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                    for (name, sql) in EmbeddedMigrations.all where !applied.contains(name) {
                        current = name
                        try db.execute(sql: sql)
                        if name.hasPrefix("003_") { try fillContextPaths(db) }
                        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [name])
                    }
                    return .commit
                }
            }
        } catch {
            throw .migration(name: current, reason: Self.reason(error))
        }
        logger.debug("log opened", metadata: ["log.path": "\(path)"])
    }

    /// Fills `context_paths` (migration 003) from the task events a log already holds.
    /// - Complexity: one scan of the log, once in the log's life.
    private func fillContextPaths(_ db: Database) throws {
        let tx = LogTransaction(db, hot, encoder)
        var after: Int64 = 0
        while true {
            let batch = try tx.rows(
                "SELECT \(LogTransaction.columns) FROM events WHERE seq > ? AND type IN ('task.created', 'task.updated') ORDER BY seq LIMIT 10000"
            ) { sqlite3_bind_int64($0, 1, after) }
            guard let last = batch.last else { return }
            for e in batch { if let path = e.event.namedContextPath { try tx.recordContextPath(path, task: e.stream.id) } }
            after = last.seq
        }
    }

    /// The `synchronous` setting in effect on the log's connection.
    public func durabilityInEffect() throws -> Durability? {
        let value = try queue.inDatabase { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        switch value {
        case 2, 3: return .full
        case 1: return .normal
        default: return nil
        }
    }

    /// The names of the migrations applied to this file, in order.
    public func appliedMigrations() throws(StoreError) -> [String] {
        do {
            return try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        } catch {
            throw .read(reason: Self.reason(error))
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction and commits it.
    /// Any error thrown rolls the whole transaction back.
    public func write<T>(_ body: (LogTransaction) throws -> T) throws -> T {
        var result: T?
        try queue.inTransaction(.immediate) { db in
            let tx = LogTransaction(db, self.hot, self.encoder)
            defer { try? tx.finishPipelining() }
            result = try body(tx)
            checkpointer?.nextCheckpointInBackground = tx.pipeline != nil
            try tx.finishPipelining()
            return .commit
        }
        return result!
    }

    /// The connection of the reads of committed rows during bulk groups (file logs), opened on
    /// first use: nil for an in-memory log, or when the file cannot be opened a second time
    /// (those reads then wait for the writing thread on the main connection).
    private var committedConnection: ReadConnection? {
        if !openedCommitted {
            openedCommitted = true
            if path != ":memory:" { committed = ReadConnection(path: path) }
        }
        return committed
    }
    private var committed: ReadConnection?
    private var openedCommitted = false

    /// The writing thread of bulk groups, started on first use and kept for the log's lifetime.
    private var writer: WritePipeline?

    /// Hands `tx`'s writes to the writing thread until the transaction ends (bulk groups).
    public func pipelineWrites(_ tx: LogTransaction) throws {
        if writer == nil {
            try tx.prepareHotStatements()
            writer = WritePipeline(hot: hot, encoder: encoder)
        }
        writer!.reset()
        tx.startPipelining(writer!, committed: committedConnection)
    }

    /// Copies what the WAL holds into the database file and truncates the WAL, when the last
    /// commit left it past the checkpoint mark: an appender calls it when a bulk input ends.
    /// Otherwise the next process to open the log finds a large WAL that no connection closed
    /// and reads all of it to rebuild its index (a one-line append after a 250,000-line load
    /// took 100-130 ms for that, 20 ms after this). Never waits for other processes: when one is
    /// reading or writing, the truncation is left for later (nothing is lost).
    public func checkpointIfLarge() {
        guard let checkpointer, checkpointer.walPages >= Checkpointer.pagesThreshold else { return }
        checkpointer.waitUntilIdle()
        do {
            try queue.writeWithoutTransaction { db in
                // Copy without blocking anyone; then truncate only if no other process is reading
                // or writing right now (one try: waiting would hold other appenders back).
                _ = try db.checkpoint(.passive)
                sqlite3_busy_timeout(db.sqliteConnection, 0)
                defer { sqlite3_busy_timeout(db.sqliteConnection, Int32(busyTimeoutMilliseconds)) }
                let (wal, copied) = try db.checkpoint(.truncate)
                logger.debug("checkpoint at the end of input", metadata: ["wal.frames": "\(wal)", "wal.copied": "\(copied)"])
            }
        } catch {
            logger.debug("checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Copies the WAL into the database file off the commit path (file logs only).
    private var checkpointer: Checkpointer?

    deinit {
        writer?.stop()
        if let checkpointer {
            queue.inDatabase { db in checkpointer.unwatch(db) }
            checkpointer.stop()
        }
    }

    /// Runs `body` with a read-only view of the log as of the start of the read.
    public func read<T>(_ body: (LogTransaction) throws -> T) throws -> T {
        try queue.read { db in try body(LogTransaction(db, self.hot, self.encoder)) }
    }

    /// Every event from position `seq` on, in log order.
    /// - Complexity: O(n) rows read and decoded.
    public func events(from seq: Int64 = 1) throws -> [RecordedEvent] {
        try read { try $0.events(after: seq - 1) }
    }
}
