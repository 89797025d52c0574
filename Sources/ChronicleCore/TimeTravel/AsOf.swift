/// A point on the transaction-time axis: what the log knew at a time, or at a log position.
public enum KnownAt: Sendable, Equatable, CustomStringConvertible {
    /// Everything recorded at or before the time.
    case time(Timestamp)
    /// Everything at or before the position (`#SEQ`): exact even within one command.
    case position(Int64)

    /// Whether an event was known at this point.
    public func knows(_ e: RecordedEvent) -> Bool {
        switch self {
        case .time(let k): e.recordedAt <= k
        case .position(let s): e.seq <= s
        }
    }

    /// `#SEQ` or an RFC 3339 time; nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("#") {
            guard let seq = Int64(text.dropFirst()), seq >= 0 else { return nil }
            self = .position(seq)
        } else {
            guard let t = Timestamp(rfc3339: text) else { return nil }
            self = .time(t)
        }
    }

    public var description: String {
        switch self {
        case .time(let t): t.rfc3339
        case .position(let s): "#\(s)"
        }
    }
}

/// A bi-temporal point: how things stood at valid time `valid`, as the log knew it at `known`.
public struct AsOf: Sendable, Equatable {
    public var valid: Timestamp
    public var known: KnownAt

    public init(valid: Timestamp, known: KnownAt) {
        self.valid = valid
        self.known = known
    }
}

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
