public import ChronicleCore

/// Bi-temporal reads of the log: "what did we believe at K about how things stood at V", for one
/// entity or every entity of a kind, and the full history of one entity. Each call reads one
/// consistent snapshot of the log.
public struct LogQuery: Sendable {
    public let log: EventLog

    public init(log: EventLog) { self.log = log }

    /// "Now" for queries: the time the log's next command would be recorded at by `clock`
    /// (the clock's time, and never before the newest recorded event, so "known now" includes
    /// every committed event).
    public func now(clock: any RecordingClock) throws -> Timestamp {
        let newest = try log.read { tx in try tx.tail()?.recordedAt }
        return clock.recordedTime(after: newest)
    }

    /// The state of one entity as of `point`; nil when it does not exist there. Its events known
    /// at `point` are read by the stream index as compact records (see ``Replay``) and folded
    /// as ``Bitemporal/state(of:asOf:)`` folds them.
    /// - Complexity: O(n log n) for the n events of its stream.
    public func entity(_ stream: StreamID, asOf point: AsOf) throws -> Entity? {
        try log.read { tx in try Self.entity(stream, asOf: point, tx) }
    }

    /// ``entity(_:asOf:)`` in a read already open.
    static func entity(_ stream: StreamID, asOf point: AsOf, _ tx: LogTransaction) throws -> Entity? {
        let position = try tx.position(knownAt: point.known)
        var names = StreamNames(kind: stream.kind, known: [stream.id])
        let records = RecordList()
        try records.append(tx, stream: stream, through: position, names: &names)
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        guard
            case .folded(let folded) = try records.fold.foldStream(
                Array(0..<records.count), stream, validAt: point.valid, pending: &pending)
        else { return nil }
        return folded?.state
    }

    /// How a collection query was answered.
    public struct Plan: Sendable, Equatable {
        /// The snapshot it started from (nil: it folded the kind's events from the first).
        public var snapshot: Int64?
        /// Events read after the snapshot (its pending ones included).
        public var laterEvents: Int
        /// Streams folded again from all their events (see ``Snapshot``).
        public var refolded: Int
    }

    /// Every entity of `kind` that exists as of `point`, in id order. Starts from the newest
    /// snapshot usable at `point` unless `useSnapshots` is false; the answer is the same.
    /// - Complexity: O(m log m) for the m events of the kind recorded after the snapshot, plus a
    ///   full read of each stream a late event or a retraction made stale.
    public func entities(_ kind: EntityKind, asOf point: AsOf, useSnapshots: Bool = true) throws -> [Entity] {
        try entitiesAndPlan(kind, asOf: point, useSnapshots: useSnapshots).entities
    }

    /// ``entities(_:asOf:useSnapshots:)`` with how it was answered.
    public func entitiesAndPlan(_ kind: EntityKind, asOf point: AsOf, useSnapshots: Bool = true) throws -> (entities: [Entity], plan: Plan)
    {
        try log.read { tx in
            let advance = try Self.advance(kind, to: point, useSnapshots: useSnapshots, tx)
            return (advance.result.snapshot.entities, advance.plan)
        }
    }

    /// The snapshot of each of `kinds` as of `point`, in one read: advanced from its snapshot in
    /// `previous` when that one is usable there (a projector's state, kept between batches),
    /// else from the newest usable stored one. Each answer says which streams it touched.
    public func advance(_ kinds: [EntityKind], to point: AsOf, from previous: [Snapshot] = []) throws -> [Snapshot.Advance] {
        try log.read { tx in try tx.advance(kinds, to: point, from: previous) }
    }

    /// The snapshot of `kind` as of `point`: from `given` when it is usable there, else from the
    /// newest usable stored one.
    static func advance(_ kind: EntityKind, to point: AsOf, useSnapshots: Bool, from given: Snapshot? = nil, _ tx: LogTransaction) throws
        -> (result: Snapshot.Advance, plan: Plan)
    {
        let position = try tx.position(knownAt: point.known)
        let usableGiven = given.flatMap { $0.kind == kind && $0.isUsable(valid: point.valid, position: position) ? $0 : nil }
        guard
            let stored = useSnapshots
                ? try usableGiven ?? tx.newestSnapshot(of: kind, usableAt: point.valid, position: position) : nil
        else {
            let replay = try Replay().run([kind], validAt: point.valid, position: position, tx)
            return (
                Snapshot.Advance(snapshot: replay.snapshots[0], refolded: [], touched: nil),
                Plan(snapshot: nil, laterEvents: replay.report.events, refolded: 0)
            )
        }
        let (result, later) = try SnapshotAdvance().run(stored, to: position, validAt: point.valid, tx)
        return (result, Plan(snapshot: stored.position, laterEvents: later, refolded: result.refolded.count))
    }

    /// Takes a snapshot of every kind as of `(validAt, #position)`, each from the newest usable
    /// stored one, and stores them. Defaults: the newest event, and its recorded time — the
    /// current state as of then. Computed in a read, stored in one short write.
    /// - Returns: the snapshots stored (none for an empty log).
    @discardableResult
    public func takeSnapshots(at position: Int64? = nil, validAt: Timestamp? = nil) throws -> [Snapshot] {
        let snapshots = try computeSnapshots(at: position, validAt: validAt)
        if !snapshots.isEmpty { try log.write { tx in for s in snapshots { try tx.insert(s) } } }
        return snapshots
    }

    /// ``takeSnapshots(at:validAt:)`` without storing them; each kind from its snapshot in
    /// `previous` when that one is usable (one computed before and not stored yet).
    public func computeSnapshots(at position: Int64? = nil, validAt: Timestamp? = nil, from previous: [Snapshot] = []) throws -> [Snapshot]
    {
        try log.read { tx -> [Snapshot] in
            guard let tip = try tx.tail() else { return [] }
            let s = min(position ?? tip.seq, tip.seq)
            guard s > 0, let event = try tx.event(at: s) else { return [] }
            let point = AsOf(valid: validAt ?? event.recordedAt, known: .position(s))
            return try EntityKind.allCases.map { kind in
                try Self.advance(kind, to: point, useSnapshots: true, from: previous.first { $0.kind == kind }, tx).result.snapshot
            }
        }
    }

    /// Every version of one entity (see ``Bitemporal/history(of:)``).
    public func history(_ stream: StreamID) throws -> [Version] {
        Bitemporal.history(of: try log.read { tx in try tx.events(stream: stream) })
    }
}
