internal import Foundation
internal import GRDB
internal import GRDBSQLite
internal import Logging

/// Copies the write-ahead log back into the database file on a thread of its own, so that no
/// commit pays for it.
///
/// SQLite's automatic checkpoint runs inside the commit that makes the WAL pass 1,000 pages:
/// with large groups that is every commit, and it doubled their time; an interactive commit that
/// happened to cross the mark waited milliseconds. Here the appender's connection only reports
/// the WAL's size after each commit (`sqlite3_wal_hook`, which also turns the automatic
/// checkpoint off), and a second connection runs a PASSIVE checkpoint, which never blocks a
/// writer or a reader.
final class Checkpointer: @unchecked Sendable {
    /// WAL pages after a commit that wake the checkpointing thread (SQLite's own default mark).
    static let pagesThreshold: Int32 = 1_000

    private let connection: DatabaseQueue
    private let logger: Logger
    private let condition = NSCondition()
    private var pending = false
    private var stopped = false

    init(path: String, busyTimeoutSeconds: Double, logger: Logger) throws {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutSeconds)
        connection = try DatabaseQueue(path: path, configuration: config)
        self.logger = logger
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "chronicle.checkpoint"
        thread.start()
    }

    /// Makes `db` report its commits here instead of checkpointing in them.
    func watch(_ db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                if pages >= Checkpointer.pagesThreshold, let context {
                    Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().request()
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Stops watching `db` (before this checkpointer goes away).
    func unwatch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, nil, nil)
    }

    private func request() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !pending && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            pending = false
            condition.unlock()
            do {
                let (wal, copied) = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                logger.trace("checkpoint", metadata: ["wal.frames": "\(wal)", "wal.copied": "\(copied)"])
            } catch {
                // A busy or failed checkpoint loses nothing: the next commit asks again, and the
                // WAL keeps every page until some checkpoint copies it.
                logger.debug("checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
