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
