/// The reducer state of every stream of one kind as of `(validAt, #position)`: a cache that lets
/// an as-of query fold only what the log recorded after `position`. Deleting one changes no
/// answer.
///
/// A snapshot answers for `(V, #P)` when `validAt ≤ V` and `position ≤ P` (SPEC §4: used only
/// where no later-recorded event falls before its valid time). Advancing it checks that per
/// stream: an event recorded after `position` whose valid time falls before the newest valid time
/// the stream's state folded, or a retraction of an event the state folded, makes that one stream
/// *stale*; a stale stream is folded again from all its events. Every other stream goes on from
/// its snapshot state.
public struct Snapshot: Sendable, Equatable {
    public struct Stream: Sendable, Equatable {
        /// The state as of the snapshot; nil when the folded events leave no entity (a forgotten key).
        public var state: Entity?
        /// The newest valid time among the events folded into `state`.
        public var frontier: Timestamp

        public init(state: Entity?, frontier: Timestamp) {
            self.state = state
            self.frontier = frontier
        }
    }

    public var kind: EntityKind
    /// Every event at or before this position is accounted for (folded, pending or retracted).
    public var position: Int64
    /// The valid time the states are as of.
    public var validAt: Timestamp
    /// Every stream of the kind with a folded event, by id.
    public var streams: [String: Stream]
    /// Events at or before `position` with a valid time after `validAt` (scheduled changes), not
    /// retracted as of `position`, in log order: whoever advances the snapshot folds them once
    /// their valid time is reached.
    public var pending: [Scheduled]

    /// An event scheduled after the snapshot's valid time: its position and valid time.
    public struct Scheduled: Sendable, Hashable, Comparable {
        public var seq: Int64
        public var validFrom: Timestamp

        public init(seq: Int64, validFrom: Timestamp) {
            self.seq = seq
            self.validFrom = validFrom
        }

        public init(_ e: RecordedEvent) { self.init(seq: e.seq, validFrom: e.validFrom) }

        /// Log order.
        public static func < (a: Scheduled, b: Scheduled) -> Bool { a.seq < b.seq }
    }

    public init(kind: EntityKind, position: Int64, validAt: Timestamp, streams: [String: Stream], pending: [Scheduled]) {
        self.kind = kind
        self.position = position
        self.validAt = validAt
        self.streams = streams
        self.pending = pending
    }

    /// The snapshot before the first event: nothing folded, usable for every point.
    public static func empty(_ kind: EntityKind) -> Snapshot {
        Snapshot(kind: kind, position: 0, validAt: Timestamp(microseconds: .min), streams: [:], pending: [])
    }

    /// Whether the snapshot may start a fold as of valid time `valid` and log position `position`.
    public func isUsable(valid: Timestamp, position: Int64) -> Bool {
        validAt <= valid && self.position <= position
    }

    /// The entities as of the snapshot, in id order.
    public var entities: [Entity] {
        streams.sorted { $0.key < $1.key }.compactMap(\.value.state)
    }

    /// What advancing did: the streams folded again from all their events, and the streams whose
    /// state may differ from the one advanced from.
    public struct Advance: Sendable, Equatable {
        public var snapshot: Snapshot
        public var refolded: [StreamID]
        /// Every stream with an event read while advancing (a later one, a due pending one, a
        /// retraction of one of its events), in id order: no other stream's state changed. Nil
        /// when the snapshot was built from the first event (any stream may have changed).
        public var touched: [StreamID]?

        public init(snapshot: Snapshot, refolded: [StreamID], touched: [StreamID]?) {
            self.snapshot = snapshot
            self.refolded = refolded
            self.touched = touched
        }
    }

    /// The states of some streams folded again from all their events, as of `(valid, #position)`:
    /// each one with a folded event (others have none), and their events dated after `valid`.
    public struct Refolded: Sendable, Equatable {
        public var streams: [String: Stream]
        public var pending: [Scheduled]

        public init(streams: [String: Stream], pending: [Scheduled]) {
            self.streams = streams
            self.pending = pending
        }
    }

    /// The snapshot as of `(valid, #position)`.
    /// - Parameters:
    ///   - later: the kind's events with seq in `(self.position, position]`, and the events at
    ///     `self.pending`, in any order.
    ///   - streamEvents: every event of one stream (any positions; later ones are ignored), read
    ///     for the stale streams only.
    /// - Precondition: `isUsable(valid:position:)`.
    /// - Complexity: O(m log m) for the m later events, plus a full fold of each stale stream.
    public func advanced(
        to position: Int64, validAt valid: Timestamp, later: [RecordedEvent],
        streamEvents: (StreamID) throws -> [RecordedEvent]
    ) rethrows -> Advance {
        try advanced(to: position, validAt: valid, later: later) { stale in
            try Self.refold(stale, to: position, validAt: valid, streamEvents: streamEvents)
        }
    }

    /// ``advanced(to:validAt:later:streamEvents:)``, with the stale streams folded again by
    /// `refold`, all at once (the store reads many in one scan of the log).
    public func advanced(
        to position: Int64, validAt valid: Timestamp, later: [RecordedEvent],
        refold: ([StreamID]) throws -> Refolded
    ) rethrows -> Advance {
        precondition(isUsable(valid: valid, position: position), "a snapshot only goes forward")
        var out = Snapshot(kind: kind, position: position, validAt: valid, streams: streams, pending: [])
        let wasPending = Set(pending.map(\.seq))
        var retractedLater: Set<Int64> = []
        var stale: Set<String> = []
        var buckets: [String: [RecordedEvent]] = [:]
        for e in later where e.seq <= position {
            if case .eventRetracted(let target, _) = e.event {
                retractedLater.insert(target)
                // A retraction of an event the state may have folded: that state is wrong now.
                if target <= self.position && !wasPending.contains(target) { stale.insert(e.stream.id) }
            } else {
                buckets[e.stream.id, default: []].append(e)
            }
        }
        for (id, events) in buckets where !stale.contains(id) {
            let base = streams[id]
            let ordered = events.filter { !retractedLater.contains($0.seq) }.sorted(by: Fold.precedes)
            // Later events go after every folded one in (valid, seq) order unless their valid time is
            // before the newest folded one (their seq is always after: recorded later, or pending).
            if let base, let first = ordered.first, first.validFrom < base.frontier, first.validFrom <= valid {
                stale.insert(id)
                continue
            }
            var state = base?.state
            var frontier = base?.frontier
            for e in ordered {
                if e.validFrom <= valid {
                    state = Entity.evolve(state, e)
                    frontier = e.validFrom
                } else {
                    out.pending.append(Scheduled(e))
                }
            }
            if let frontier { out.streams[id] = Stream(state: state, frontier: frontier) }
        }
        let refolded = stale.sorted().map { StreamID(kind, $0) }
        if !refolded.isEmpty {
            let fresh = try refold(refolded)
            for id in stale { out.streams[id] = fresh.streams[id] }
            out.pending.append(contentsOf: fresh.pending)
        }
        out.pending.sort()
        // Every stream with an event read: after the snapshot's position, or pending and due.
        let read = later.lazy.filter { $0.seq <= position && ($0.seq > self.position || $0.validFrom <= valid) }.map(\.stream.id)
        let touched = Set(read).union(stale).sorted().map { StreamID(kind, $0) }
        return Advance(snapshot: out, refolded: refolded, touched: touched)
    }

    /// `streams` folded again from all their events, read one stream at a time.
    public static func refold(
        _ streams: [StreamID], to position: Int64, validAt valid: Timestamp, streamEvents: (StreamID) throws -> [RecordedEvent]
    ) rethrows -> Refolded {
        var out = Refolded(streams: [:], pending: [])
        for stream in streams {
            let events = try streamEvents(stream).filter { $0.seq <= position }
            let retracted = Bitemporal.retracted(in: events, knownAt: .position(position))
            let live = events.filter { Fold.isLive($0, retracted: retracted) }
            let folded = live.filter { $0.validFrom <= valid }
            out.pending.append(contentsOf: live.lazy.filter { $0.validFrom > valid }.map(Scheduled.init))
            if let frontier = folded.map(\.validFrom).max() {
                out.streams[stream.id] = Stream(state: Fold.state(of: folded, retracted: []), frontier: frontier)
            }
        }
        return out
    }
}

extension Snapshot {
    /// The version of ``binary`` this code writes and reads; a stored snapshot of another
    /// version is ignored (snapshots are a cache). 1 and 2 were JSON.
    public static let formatVersion = 3
}
