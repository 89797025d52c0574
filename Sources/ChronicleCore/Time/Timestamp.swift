/// A point in time: microseconds since the Unix epoch, UTC.
///
/// Both axes of the log use it: ``validFrom`` (when a change holds in the world) and
/// ``recordedAt`` (when the log learned it).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The same instant shifted by `delta` microseconds.
    public func advanced(by delta: Int64) -> Timestamp { Timestamp(microseconds: microseconds + delta) }

    /// RFC 3339 in UTC, with a fraction only when there is one (`2025-06-01T10:00:00.25Z`).
    public var description: String { rfc3339 }
}
