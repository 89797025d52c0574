public import ChronicleCore
internal import Foundation
public import Logging

#if canImport(Glibc)
    internal import Glibc
#endif

/// Takes a snapshot of every kind each time the log grows by `every` events, on its own thread
/// and its own connection, at low CPU priority: the appender only asks, it never waits. The
/// snapshot is computed in a read transaction; the appender stores it in its next commit
/// (``takeReady()``), since a busy appender holds the write lock almost all the time.
///
/// A snapshot that fails (a read error) is logged and skipped: snapshots are a cache, the next
/// one is asked for `every` events later.
public final class Snapshotter: @unchecked Sendable {
    /// The default interval: a global as-of query folds at most about this many events of a kind
    /// after its snapshot.
    public static let defaultEvery: Int64 = 100_000

    public let every: Int64
    private let log: EventLog
    private let logger: Logger
    private let condition = NSCondition()
    private var requested = false
    private var running = false
    private var stopped = false
    /// The position the next snapshot is due at (guarded by `condition`).
    private var due: Int64
    private var thread: Thread?
    /// Computed, not yet stored (guarded by `condition`).
    private var ready: [Snapshot] = []

    /// Opens a second connection on the log at `path` (a file) and starts the thread.
    public init(path: String, every: Int64, logger: Logger) throws {
        precondition(every > 0)
        self.every = every
        self.logger = logger
        log = try EventLog(path: path, forWriting: false, logger: logger)
        due = (try log.read { try $0.newestSnapshotPosition() }) + every
        // The thread keeps the snapshotter alive until it returns, after ``stop()``.
        let thread = Thread { self.run() }
        thread.name = "chronicle.snapshot"
        self.thread = thread
        thread.start()
    }

    /// Tells the snapshotter the log now holds events up to `seq`; a snapshot is started when
    /// one is due and none is running. Never blocks on the snapshot.
    public func logGrew(to seq: Int64) {
        condition.lock()
        if seq >= due && !running {
            requested = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// The snapshots computed since the last call, for the caller to store.
    public func takeReady() -> [Snapshot] {
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
            condition.unlock()
            var next: Int64?
            var taken: [Snapshot] = []
            do {
                let started = ContinuousClock.now
                taken = try LogQuery(log: log).computeSnapshots()
                if let position = taken.first?.position {
                    next = position + every
                    logger.debug(
                        "snapshot computed", metadata: ["log.seq": "\(position)", "duration": "\(ContinuousClock.now - started)"])
                }
            } catch {
                logger.warning("snapshot skipped", metadata: ["error": "\(error)"])
            }
            condition.lock()
            ready = taken
            if let next { due = next } else { due += every }
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
