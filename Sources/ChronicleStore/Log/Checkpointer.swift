internal import Foundation
internal import GRDB
internal import GRDBSQLite
internal import Logging

/// Copies the write-ahead log back into the database file after bulk groups on a thread of its
/// own, so that the next group need not wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that makes the WAL pass 1,000 pages:
/// with large groups that is every commit, and it doubled their time. Here the appender's
/// connection reports the WAL's size after each commit (`sqlite3_wal_hook`, which replaces the
/// automatic checkpoint). After a bulk group a second connection runs a PASSIVE checkpoint,
/// which never blocks a writer or a reader. After a small commit (an interactive line) the
/// checkpoint runs in the commit as SQLite's own would: one ack in a few hundred waits for it,
/// where a checkpoint running beside the commits would slow every commit it overlaps, and the
/// 99th percentile with them.
final class Checkpointer: @unchecked Sendable {  // walPages and nextCheckpointInBackground belong to the watched connection's thread
    /// WAL pages after a commit that wake the checkpointing thread (SQLite's own default mark).
    static let pagesThreshold: Int32 = 1_000
    /// WAL pages (64 MiB of 4 KiB pages) past which a bulk commit checkpoints before it returns.
    /// A checkpoint running beside the next group never lets the WAL restart from its beginning
    /// (a writer is always adding to it), so without this mark a long pipe's WAL grows without
    /// end; after an inline checkpoint the next transaction starts the WAL over.
    static let pagesLimit: Int32 = 16_384

    private struct State {
        var pending = false
        var running = false
        var stopped = false
    }

    private let state = Guarded(State())
    /// Set by the log while a bulk group is being committed on the watched connection (only
    /// that connection's thread reads or writes it).
    var nextCheckpointInBackground = false
    /// The WAL's size in pages after the watched connection's last commit (that thread only).
    private(set) var walPages: Int32 = 0

    init(path: String, busyTimeoutSeconds: Double, logger: Logger) throws {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutSeconds)
        let connection = try DatabaseQueue(path: path, configuration: config)
        Worker.start(
            name: "chronicle.checkpoint", on: state,
            take: { (s: inout State) -> Worker.Step<Void>? in
                if s.stopped { return .end }
                guard s.pending else { return nil }
                s.pending = false
                s.running = true
                return .run(())
            },
            run: { (_: Void) in
                do {
                    let (wal, copied) = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                    logger.trace("checkpoint", metadata: ["wal.frames": "\(wal)", "wal.copied": "\(copied)"])
                } catch {
                    // A busy or failed checkpoint loses nothing: the next commit asks again, and
                    // the WAL keeps every page until some checkpoint copies it.
                    logger.debug("checkpoint failed", metadata: ["error": "\(error)"])
                }
            },
            done: { (s: inout State, _: Void) in s.running = false })
    }

    /// Makes `db` report its commits here instead of checkpointing in them.
    func watch(_ db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, db, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().walPages = pages
                guard pages >= Checkpointer.pagesThreshold else { return SQLITE_OK }
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
                if checkpointer.nextCheckpointInBackground && pages < Checkpointer.pagesLimit {
                    checkpointer.request()
                } else {
                    // The background checkpoint, if one runs, holds the checkpoint lock.
                    checkpointer.waitUntilIdle()
                    // What SQLite's automatic checkpoint does; a busy checkpoint is retried later.
                    sqlite3_wal_checkpoint(db, nil)
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Stops watching `db` (before this checkpointer goes away).
    func unwatch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, nil, nil)
    }

    private func request() {
        state.update { $0.pending = true }
    }

    /// Waits until no background checkpoint is running (and none is asked for).
    func waitUntilIdle() {
        state.waitUntil { s in !(s.running || s.pending) || s.stopped }
    }

    /// Ends the checkpointing thread once its checkpoint, if one runs, is done.
    func stop() {
        state.update { $0.stopped = true }
    }
}
