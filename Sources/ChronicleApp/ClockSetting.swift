public import ChronicleCore
internal import ChronicleStore

/// The recorded-time source named by `CHRONICLE_CLOCK`: `system` (the default) or
/// `fixed:<RFC 3339>`, the test clock whose commits are exactly 1 ms apart.
public enum ClockSetting {
    public struct Invalid: Error, CustomStringConvertible {
        public var value: String
        public var description: String {
            "CHRONICLE_CLOCK='\(value)' is not 'system' or 'fixed:<RFC 3339 time>' (e.g. fixed:2025-06-01T10:00:00Z)"
        }
    }

    public static func clock(from value: String?) throws -> any RecordingClock {
        guard let value, !value.isEmpty, value != "system" else { return SystemClock() }
        guard value.hasPrefix("fixed:"), let start = Timestamp(rfc3339: value.dropFirst(6)) else { throw Invalid(value: value) }
        return FixedClock(start: start)
    }
}
