/// The contract of SPEC §2 over one stream's events: an event is known at K when it was
/// recorded by K and no retraction of it was recorded by K; the state as of (V, K) is the fold
/// of the known events with `valid_from ≤ V`, in `(valid_from, seq)` order.
public enum Bitemporal {
    /// The positions retracted as known at `known`.
    public static func retracted(in events: some Sequence<RecordedEvent>, knownAt known: KnownAt) -> Set<Int64> {
        var out: Set<Int64> = []
        for e in events where known.knows(e) {
            if case .eventRetracted(let seq, _) = e.event { out.insert(seq) }
        }
        return out
    }

    /// The state of the stream whose events (retractions included) are `events`, as of `point`.
    /// - Complexity: O(n log n) for n events.
    public static func state(of events: [RecordedEvent], asOf point: AsOf) -> Entity? {
        let retracted = retracted(in: events, knownAt: point.known)
        return Fold.state(of: events.filter { point.known.knows($0) && $0.validFrom <= point.valid }, retracted: retracted)
    }
}
