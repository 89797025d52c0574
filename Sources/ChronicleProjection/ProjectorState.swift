public import ChronicleApp
public import ChronicleCore
public import ChronicleStore

/// The reducer state a projector keeps, whatever its view: one ``Snapshot`` per kind the view
/// shows, as of `(validAt, #position)` — entities, not events. ``fold(stop:)`` computes it from
/// the newest usable stored snapshots up to the log's head as of now; ``advance()`` moves it
/// over what was committed since, and over the scheduled changes whose valid time has come, and
/// says which entities changed. Nothing is kept until the view's sink has applied it
/// (``commit(_:)``): an advance a sink failed to apply is undone by the next ``advance()`` (or
/// ``rollBack()``), and the state is back where its view is.
public final class ProjectorState {
    /// A state as of one point, not committed yet.
    public struct Folded: Sendable {
        public var snapshots: [Snapshot]
        public var position: Int64
        public var validAt: Timestamp
        /// Every entity of the view's kinds.
        public var entities: [Entity] { snapshots.flatMap(\.entities) }
    }

    /// One entity before and after an advance (nil: it does not exist there).
    public struct Change: Sendable {
        public var stream: StreamID
        public var before: Entity?
        public var after: Entity?
    }

    /// What an advance found.
    public enum Advance: Sendable {
        /// Nothing committed since, nothing due.
        case idle
        /// The state cannot be moved (a clock stepped back, no state yet): fold it again.
        case refold
        /// The new state, and the entities that changed, stream by stream.
        case changes(Folded, [Change])
    }

    public let kinds: [EntityKind]
    public let log: EventLog
    private let query: LogQuery
    private let clock: any RecordingClock
    public private(set) var snapshots: [Snapshot] = []
    /// The last position applied to the view.
    public private(set) var position: Int64 = 0
    public private(set) var validAt = Timestamp(microseconds: .min)
    /// What undoes the last advance, until it is committed.
    private var uncommitted: [Snapshot.Move]?
    /// Events folded per read of a catch-up: the bar's step, and the bound on what one read holds.
    public var catchUpChunk: Int64 = 100_000

    public init(kinds: [EntityKind], log: EventLog, clock: any RecordingClock) {
        self.kinds = kinds
        self.log = log
        self.clock = clock
        query = LogQuery(log: log)
    }

    /// The earliest valid time of a scheduled change not folded yet (a future-dated event).
    public var nextDue: Timestamp? { nextDue(of: snapshots) }

    private func nextDue(of snapshots: [Snapshot]) -> Timestamp? { snapshots.compactMap { $0.pending.map(\.validFrom).min() }.min() }

    /// "Now" as the log's next command would be recorded.
    public func now() throws -> Timestamp { try query.now(clock: clock) }

    /// The state at the log's head as of now, folded from the newest stored snapshot usable
    /// there, `catchUpChunk` positions per read (a bar on a terminal); nil when `stop` was
    /// raised first.
    /// - Complexity: O(events after the snapshots + entities).
    public func fold(stop: StopSignal? = nil) throws -> Folded? {
        let tip = try log.read { tx in try tx.tail()?.seq } ?? 0
        return try fold(position: tip, validAt: try query.now(clock: clock), stop: stop)
    }

    /// The state as of `(validAt, #position)` (the point a view's checkpoint names), folded as
    /// ``fold(stop:)`` folds; nil when `stop` was raised first.
    public func fold(position tip: Int64, validAt now: Timestamp, stop: StopSignal? = nil) throws -> Folded? {
        var state = try log.read { tx in
            try kinds.map { kind in try tx.newestSnapshot(of: kind, usableAt: now, position: tip) ?? .empty(kind) }
        }
        let start = state.map(\.position).min() ?? tip
        let folding = ProgressBar("folding", total: tip - start, unit: "events")
        defer { folding?.finish() }
        while let behind = state.map(\.position).min(), behind < tip {
            if stop?.isRaised == true { return nil }
            let target = min(tip, behind + catchUpChunk)
            // In place: a chunk costs the events it folds, not a copy of every stream.
            try log.read { tx in
                for i in state.indices where state[i].position < target {
                    _ = try tx.advance(&state[i], to: AsOf(valid: now, known: .position(target)), undoable: false)
                }
            }
            folding?.update(target - start)
        }
        // Every stream as of now (a snapshot's valid time may be older than now).
        try log.read { tx in
            for i in state.indices { _ = try tx.advance(&state[i], to: AsOf(valid: now, known: .position(tip)), undoable: false) }
        }
        return Folded(snapshots: state, position: tip, validAt: now)
    }

    /// The state moved over what was committed since ``position`` and over what fell due by
    /// now, with the entities that changed (those whose state differs, among the streams the
    /// new events touched). The snapshots move in place, not copied (a step costs the entities
    /// it touches, not all of them); until ``commit(_:)``, ``snapshots`` are the moved ones, and
    /// an advance never committed is undone by the next ``advance()`` or ``rollBack()``.
    /// - Complexity: O(new events + their streams' events).
    public func advance() throws -> Advance {
        rollBack()
        var working = snapshots
        snapshots = []
        defer { snapshots = working }
        // The head, "now" (as ``now()`` says it) and the advance, in one read.
        let read = try log.read { tx -> (tip: Int64, now: Timestamp, moves: [Snapshot.Move]?)? in
            let tail = try tx.tail()
            let tip = tail?.seq ?? 0
            let now = clock.recordedTime(after: tail?.recordedAt)
            let due = nextDue(of: working).map { $0 <= now } ?? false
            guard tip > position || due else { return nil }
            guard !working.isEmpty, working.allSatisfy({ $0.isUsable(valid: now, position: tip) }) else { return (tip, now, nil) }
            let moves = try tx.advance(&working, to: AsOf(valid: now, known: .position(tip)))
            // Recorded at once: should the read fail to end, the next advance undoes the move.
            uncommitted = moves
            return (tip, now, moves)
        }
        guard let (tip, now, moved) = read else { return .idle }
        guard let moves = moved else { return .refold }
        var changes: [Change] = []
        for (snapshot, move) in zip(working, moves) {
            for stream in move.touched {
                let before = move.before(stream.id, in: snapshot)
                let after = snapshot.streams[stream.id]?.state
                if before != after { changes.append(Change(stream: stream, before: before, after: after)) }
            }
        }
        return .changes(Folded(snapshots: working, position: tip, validAt: now), changes)
    }

    /// Undoes an advance not committed: the snapshots go back to ``position``.
    public func rollBack() {
        guard let moves = uncommitted else { return }
        uncommitted = nil
        var working = snapshots
        snapshots = []
        for (i, move) in zip(working.indices, moves).reversed() { working[i].undo(move) }
        snapshots = working
    }

    /// Has `sink` apply an advance's `changes`, moving `contexts` along in place (a copy would
    /// cost every task with a context), and commits `folded` when it returns. When it throws,
    /// the state and `contexts` go back to where the view is, and the error is rethrown.
    public func apply(
        _ folded: Folded, _ changes: [Change], contexts: inout ContextIndex, _ sink: (inout ContextIndex) throws -> Void
    ) throws {
        do {
            try sink(&contexts)
        } catch {
            contexts.undo(changes)
            rollBack()
            throw error
        }
        commit(folded)
    }

    /// Takes `folded` as the state the view now shows.
    public func commit(_ folded: Folded) {
        (snapshots, position, validAt) = (folded.snapshots, folded.position, folded.validAt)
        uncommitted = nil
    }
}
