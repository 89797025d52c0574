/// One stream's state kept up to date event by event, as a process that appends learns its
/// events: the state as of now, and as of any valid time since the stream's newest valid time
/// that is already past, without reading the stream again.
///
/// A valid time at or before now, ``settledAt`` (never after the recorded time of the newest
/// event), splits the stream: its state as of that time is ``settled``, and its events dated
/// after it are ``ahead``, in ``Fold/precedes(_:_:)`` order. A scheduled change (dated in the
/// future) stays ahead until a later event's recorded time passes it, so the state as of a
/// valid time between the two (what a command dated now is decided against) is `settled` plus
/// the few events ahead up to that time, not a fold of the whole stream. An event dated before
/// `settledAt` (late) or a retraction cannot be folded in this way (``canApply(_:)``): the
/// stream is then folded again from its events, ``init(live:now:)``.
///
/// The reference is ``Fold/state(of:retracted:)``: the same answers, a property test says.
public struct StreamFold: Sendable, Equatable {
    /// The newest valid time among the folded events.
    public private(set) var maxValidFrom = Timestamp(microseconds: .min)
    /// The fold of every folded event: the state as of any valid time ≥ ``maxValidFrom``.
    public private(set) var entity: Entity?
    public private(set) var settledAt = Timestamp(microseconds: .min)
    public private(set) var settled: Entity?
    public private(set) var ahead: [RecordedEvent] = []

    /// A stream without events.
    public init() {}

    /// The fold of a stream's live events (``Fold/live(_:retracted:)``, in that order), settled
    /// as of `now`, the recorded time of the newest of them.
    /// - Complexity: O(events).
    public init(live: [RecordedEvent], now: Timestamp) {
        maxValidFrom = live.last?.validFrom ?? Timestamp(microseconds: .min)
        settledAt = min(now, maxValidFrom)
        for e in live {
            if e.validFrom <= settledAt { settled = Entity.evolve(settled, e) } else { ahead.append(e) }
        }
        entity = foldAhead()
    }

    /// Whether ``apply(_:)`` can fold `e` in: it is no retraction, and it is not dated before ``settledAt``.
    public func canApply(_ e: RecordedEvent) -> Bool { !e.isRetraction && e.validFrom >= settledAt }

    /// Folds in the stream's newest event (``canApply(_:)`` must hold).
    /// - Complexity: O(events ahead).
    public mutating func apply(_ e: RecordedEvent) {
        precondition(canApply(e), "a late event or a retraction needs a refold")
        maxValidFrom = max(maxValidFrom, e.validFrom)
        // Settle up to the event's valid time, or its recorded time if it is dated later.
        let settleTo = min(e.validFrom, e.recordedAt)
        if settleTo > settledAt {
            let due = ahead.prefix { $0.validFrom <= settleTo }
            for d in due { settled = Entity.evolve(settled, d) }
            ahead.removeFirst(due.count)
            settledAt = settleTo
        }
        if e.validFrom <= settledAt {
            // Every event still ahead is dated after it.
            settled = Entity.evolve(settled, e)
        } else {
            // After the events ahead dated at or before it (their seq is smaller).
            let i = ahead.firstIndex { $0.validFrom > e.validFrom } ?? ahead.count
            ahead.insert(e, at: i)
        }
        entity = foldAhead()
    }

    /// What the fold knows of the state as of a valid time.
    public enum Answer: Equatable {
        /// The state as of that time.
        case state(Entity?)
        /// The time is before ``settledAt``: fold the stream's events up to it.
        case needsEvents
    }

    /// The state as of valid time `validAt`, when it is at or after ``settledAt``.
    /// - Complexity: O(1) at or after ``maxValidFrom``; O(events ahead) otherwise.
    public func state(asOf validAt: Timestamp) -> Answer {
        if validAt >= maxValidFrom { return .state(entity) }
        guard validAt >= settledAt else { return .needsEvents }
        var state = settled
        for e in ahead where e.validFrom <= validAt { state = Entity.evolve(state, e) }
        return .state(state)
    }

    private func foldAhead() -> Entity? {
        var state = settled
        for a in ahead { state = Entity.evolve(state, a) }
        return state
    }
}
