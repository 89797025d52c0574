/// Where recorded times come from. Injected: the core never reads a clock.
///
/// A clock is asked for the recorded time of the next commit, given the previous commit's;
/// every answer must be strictly greater than `previous`.
public protocol RecordingClock: Sendable {
    func recordedTime(after previous: Timestamp?) -> Timestamp
}

/// The test clock (`CHRONICLE_CLOCK=fixed:<RFC 3339>`): the first commit of an empty log is
/// recorded at `start`, and each commit after it exactly 1 ms after the one before.
public struct FixedClock: RecordingClock {
    public var start: Timestamp
    public static let step: Int64 = 1_000

    public init(start: Timestamp) { self.start = start }

    public func recordedTime(after previous: Timestamp?) -> Timestamp {
        guard let previous else { return start }
        return previous.advanced(by: Self.step)
    }
}
