public import ChronicleApp
public import ChronicleCore
public import ChronicleStore

/// The reducer state a projector keeps, whatever its view: one ``Snapshot`` per kind the view
/// shows, as of `(validAt, #position)` — entities, not events. ``fold(stop:)`` computes it from
/// the newest usable stored snapshots up to the log's head as of now; ``advance()`` moves it
/// over what was committed since, and over the scheduled changes whose valid time has come, and
/// says which entities changed. Nothing is kept until the view's sink has applied it
/// (``commit(_:)``): a sink that fails leaves the state where its view is.
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
    /// Events folded per read of a catch-up: the bar's step, and the bound on what one read holds.
    public var catchUpChunk: Int64 = 100_000

    public init(kinds: [EntityKind], log: EventLog, clock: any RecordingClock) {
        self.kinds = kinds
        self.log = log
        self.clock = clock
        query = LogQuery(log: log)
    }

    /// The earliest valid time of a scheduled change not folded yet (a future-dated event).
    public var nextDue: Timestamp? { snapshots.compactMap { $0.pending.map(\.validFrom).min() }.min() }

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
            let advanced = try query.advance(
                kinds.filter { kind in state.first { $0.kind == kind }!.position < target },
                to: AsOf(valid: now, known: .position(target)), from: state)
            for a in advanced { state[state.firstIndex { $0.kind == a.snapshot.kind }!] = a.snapshot }
            folding?.update(target - start)
        }
        // Every stream as of now (a snapshot's valid time may be older than now).
        state = try query.advance(kinds, to: AsOf(valid: now, known: .position(tip)), from: state).map(\.snapshot)
        return Folded(snapshots: state, position: tip, validAt: now)
    }

    /// The state moved over what was committed since ``position`` and over what fell due by
    /// now, with the entities that changed (those whose state differs, among the streams the
    /// new events touched).
    /// - Complexity: O(new events + their streams' events), or O(entities) for a kind whose
    ///   advance cannot say what it touched.
    public func advance() throws -> Advance {
        // The head, "now" (as ``now()`` says it) and the advance, in one read.
        let read = try log.read { tx -> (tip: Int64, now: Timestamp, advances: [Snapshot.Advance]?)? in
            let tail = try tx.tail()
            let tip = tail?.seq ?? 0
            let now = clock.recordedTime(after: tail?.recordedAt)
            let due = nextDue.map { $0 <= now } ?? false
            guard tip > position || due else { return nil }
            guard !snapshots.isEmpty, snapshots.allSatisfy({ $0.isUsable(valid: now, position: tip) }) else { return (tip, now, nil) }
            return (tip, now, try tx.advance(kinds, to: AsOf(valid: now, known: .position(tip)), from: snapshots))
        }
        guard let (tip, now, advanced) = read else { return .idle }
        guard let advances = advanced else { return .refold }
        var changes: [Change] = []
        for (old, advance) in zip(snapshots, advances) {
            let new = advance.snapshot
            let touched = advance.touched ?? Set(old.streams.keys).union(new.streams.keys).sorted().map { StreamID(old.kind, $0) }
            for stream in touched {
                let before = old.streams[stream.id]?.state
                let after = new.streams[stream.id]?.state
                if before != after { changes.append(Change(stream: stream, before: before, after: after)) }
            }
        }
        return .changes(Folded(snapshots: advances.map(\.snapshot), position: tip, validAt: now), changes)
    }

    /// Takes `folded` as the state the view now shows.
    public func commit(_ folded: Folded) {
        (snapshots, position, validAt) = (folded.snapshots, folded.position, folded.validAt)
    }
}
