internal import ChronicleCore
internal import Foundation
public import Logging

#if canImport(Glibc)
    internal import Glibc
#endif

/// Takes a snapshot of every kind at every `every` events — at positions `every` apart, whatever
/// the size of the appender's commits — on its own thread and its own connection, at low CPU
/// priority: the appender only asks, it never waits. Each snapshot is computed in a read
/// transaction, from the one before; the appender stores them in its next commit
/// (``takeReady()``), since a busy appender holds the write lock almost all the time.
///
/// When it falls more than ``maxBehind`` positions behind the log (a bulk load on a busy
/// machine), it skips to the newest position due: a snapshot near the tip answers more queries
/// than one far behind it, and the work stays bounded. A snapshot that fails (a read error) is
/// logged and skipped: snapshots are a cache; the next position is tried after it.
public final class Snapshotter: @unchecked Sendable {  // the mutable fields are read and written under its condition
    /// The default interval: a global as-of query reads about this many events after its
    /// snapshot at most (those of its kind), and the streams they made stale.
    public static let defaultEvery: Int64 = 50_000

    /// Positions due but not started beyond which the snapshotter skips to the newest.
    public static let maxBehind: Int64 = 4

    public let every: Int64
    private let log: EventLog
    private let logger: Logger
    private let condition = NSCondition()
    private var requested = false
    private var running = false
    private var stopped = false
    /// The position the next snapshot is due at (guarded by `condition`).
    private var due: Int64
    /// The newest position the appender reported (guarded by `condition`).
    private var tip: Int64 = 0
    private var thread: Thread?
    /// Computed and encoded, not yet stored (guarded by `condition`).
    private var ready: [EncodedSnapshot] = []
    /// The newest snapshots computed (the thread's own): the next ones start from them.
    private var last: [Snapshot] = []

    /// Opens a second connection on the log at `path` (a file) and starts the thread.
    public init(path: String, every: Int64, logger: Logger) throws {
        precondition(every > 0)
        self.every = every
        self.logger = logger
        log = try EventLog(path: path, forWriting: false, logger: logger)
        // Snapshots of an older format are ignored: positions go on from the newest readable one.
        due = (try log.read { try $0.newestSnapshotPosition() }) + every
        // The thread keeps the snapshotter alive until it returns, after ``stop()``.
        let thread = Thread { self.run() }
        thread.name = "chronicle.snapshot"
        self.thread = thread
        thread.start()
    }

    /// Tells the snapshotter the log now holds events up to `seq`; the snapshots due by then are
    /// started unless they are running. Never blocks on them.
    public func logGrew(to seq: Int64) {
        condition.lock()
        tip = max(tip, seq)
        if tip >= due && !running {
            requested = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Snapshots taken by ``takeReady()`` but not stored (their commit failed): the next
    /// commit stores them.
    public func putBack(_ snapshots: [EncodedSnapshot]) {
        guard !snapshots.isEmpty else { return }
        condition.lock()
        ready = snapshots + ready
        condition.unlock()
    }

    /// The snapshots computed since the last call, for the caller to store.
    public func takeReady() -> [EncodedSnapshot] {
        condition.lock()
        defer { condition.unlock() }
        let out = ready
        ready = []
        return out
    }

    /// Waits for a running or requested snapshot to be computed.
    public func waitUntilIdle() {
        condition.lock()
        while (running || requested) && !stopped { condition.wait() }
        condition.unlock()
    }

    /// Ends the thread once the snapshot it is computing, if any, is done; does not wait for it
    /// (a process that exits meanwhile loses only that snapshot, which was never stored).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        #if canImport(Glibc)
            // On Linux this lowers the calling thread only: appends keep the CPU they need.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
        while true {
            condition.lock()
            while !requested && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            requested = false
            running = true
            let behind = (tip - due) / every
            let at = behind > Self.maxBehind ? due + behind * every : due
            condition.unlock()
            var taken: [EncodedSnapshot] = []
            do {
                let started = ContinuousClock.now
                last = try LogQuery(log: log).computeSnapshots(at: at, from: last)
                // Encoded here: the appender only writes the bytes, in its next commit.
                taken = last.map(EncodedSnapshot.init)
                logger.debug("snapshot computed", metadata: ["log.seq": "\(at)", "duration": "\(ContinuousClock.now - started)"])
            } catch {
                logger.warning("snapshot skipped", metadata: ["error": "\(error)"])
            }
            condition.lock()
            ready += taken
            due = at + every
            // The log may have grown past the next one already (a large commit): on to it.
            if tip >= due && !stopped { requested = true }
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
