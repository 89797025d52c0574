public import ChronicleCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The wall clock: the current time, moved one microsecond past the previous commit if it
/// is not already later (so recorded times strictly increase even if the clock steps back).
public struct SystemClock: RecordingClock {
    public init() {}

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000)
    }

    public func recordedTime(after previous: Timestamp?) -> Timestamp {
        let now = Self.now()
        guard let previous, now <= previous else { return now }
        return previous.advanced(by: 1)
    }
}
