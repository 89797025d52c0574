/// Folding a stream's events into its state, in the bi-temporal order.
public enum Fold {
    /// The state of one stream from its events: retracted ones left out, the rest folded in
    /// `(valid_from, seq)` order.
    /// - Complexity: O(n log n) for n events.
    public static func state(of events: [RecordedEvent], retracted: Set<Int64>) -> Entity? {
        var state: Entity?
        for e in live(events, retracted: retracted) { state = Entity.evolve(state, e) }
        return state
    }

    /// The events of a stream that a fold reads: neither retractions nor `retracted`, in
    /// ``precedes(_:_:)`` order.
    /// - Complexity: O(n log n) for n events.
    public static func live(_ events: some Sequence<RecordedEvent>, retracted: Set<Int64>) -> [RecordedEvent] {
        events.filter { isLive($0, retracted: retracted) }.sorted(by: precedes)
    }

    /// Whether a fold reads `e`: it is not a retraction, and not `retracted`.
    public static func isLive(_ e: RecordedEvent, retracted: Set<Int64>) -> Bool {
        !e.isRetraction && !retracted.contains(e.seq)
    }

    /// The order a stream's events are folded in: valid time, then log position (a late event
    /// takes its place in the past; two events of one valid time, the order they were recorded).
    public static func precedes(_ a: RecordedEvent, _ b: RecordedEvent) -> Bool {
        (a.validFrom, a.seq) < (b.validFrom, b.seq)
    }
}
