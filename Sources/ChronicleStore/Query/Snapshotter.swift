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
public final class Snapshotter: Sendable {
    /// The default interval: a global as-of query reads about this many events after its
    /// snapshot at most (those of its kind), and the streams they made stale.
    public static let defaultEvery: Int64 = 50_000

    /// Positions due but not started beyond which the snapshotter skips to the newest.
    public static let maxBehind: Int64 = 4

    private struct State {
        var requested = false
        var running = false
        var stopped = false
        /// The position the next snapshot is due at.
        var due: Int64
        /// The newest position the appender reported.
        var tip: Int64 = 0
        /// Computed and encoded, not yet stored.
        var ready: [EncodedSnapshot] = []
    }

    public let every: Int64
    private let state: Guarded<State>

    /// Opens a second connection on the log at `path` (a file) and starts the thread, which
    /// runs until ``stop()``.
    public init(path: String, every: Int64, logger: Logger) throws {
        precondition(every > 0)
        self.every = every
        let log = try EventLog(path: path, forWriting: false, logger: logger)
        // Snapshots of an older format are ignored: positions go on from the newest readable one.
        state = Guarded(State(due: (try log.read { try $0.newestSnapshotPosition() }) + every))
        Worker.start(
            name: "chronicle.snapshot", on: state,
            local: { () -> [Snapshot] in
                #if canImport(Glibc)
                    // On Linux this lowers the calling thread only: appends keep the CPU they need.
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                #endif
                // The newest snapshots computed: the next ones start from them.
                return []
            },
            take: { (s: inout State) -> Worker.Step<Int64>? in
                if s.stopped { return .end }
                guard s.requested else { return nil }
                s.requested = false
                s.running = true
                let behind = (s.tip - s.due) / every
                return .run(behind > Self.maxBehind ? s.due + behind * every : s.due)
            },
            run: { (last: inout [Snapshot], at: Int64) -> (at: Int64, taken: [EncodedSnapshot]) in
                do {
                    let started = ContinuousClock.now
                    last = try LogQuery(log: log).computeSnapshots(at: at, from: last)
                    logger.debug("snapshot computed", metadata: ["log.seq": "\(at)", "duration": "\(ContinuousClock.now - started)"])
                    // Encoded here: the appender only writes the bytes, in its next commit.
                    return (at, last.map(EncodedSnapshot.init))
                } catch {
                    logger.warning("snapshot skipped", metadata: ["error": "\(error)"])
                    return (at, [])
                }
            },
            done: { (s: inout State, outcome: (at: Int64, taken: [EncodedSnapshot])) in
                s.ready += outcome.taken
                s.due = outcome.at + every
                // The log may have grown past the next one already (a large commit): on to it.
                if s.tip >= s.due && !s.stopped { s.requested = true }
                s.running = false
            })
    }

    /// Tells the snapshotter the log now holds events up to `seq`; the snapshots due by then are
    /// started unless they are running. Never blocks on them.
    public func logGrew(to seq: Int64) {
        let start = state.updateQuietly { s in
            s.tip = max(s.tip, seq)
            guard s.tip >= s.due && !s.running && !s.requested else { return false }
            s.requested = true
            return true
        }
        if start { state.wake() }
    }

    /// Snapshots taken by ``takeReady()`` but not stored (their commit failed): the next
    /// commit stores them.
    public func putBack(_ snapshots: [EncodedSnapshot]) {
        guard !snapshots.isEmpty else { return }
        state.updateQuietly { $0.ready = snapshots + $0.ready }
    }

    /// The snapshots computed since the last call, for the caller to store.
    public func takeReady() -> [EncodedSnapshot] {
        state.updateQuietly { s in
            defer { s.ready = [] }
            return s.ready
        }
    }

    /// Waits for a running or requested snapshot to be computed.
    public func waitUntilIdle() {
        state.waitUntil { s in !(s.running || s.requested) || s.stopped }
    }

    /// Ends the thread once the snapshot it is computing, if any, is done; does not wait for it
    /// (a process that exits meanwhile loses only that snapshot, which was never stored).
    public func stop() {
        state.update { $0.stopped = true }
    }
}
