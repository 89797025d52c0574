public import ChronicleCore

/// Bi-temporal reads of the log: "what did we believe at K about how things stood at V", for one
/// entity or every entity of a kind, and the full history of one entity. Each call reads one
/// consistent snapshot of the log.
public struct LogQuery: Sendable {
    public let log: EventLog

    public init(log: EventLog) { self.log = log }

    /// "Now" for queries: the time the log's next command would be recorded at by `clock`
    /// (the clock's time, and never before the newest recorded event, so "known now" includes
    /// every committed event).
    public func now(clock: any RecordingClock) throws -> Timestamp {
        let newest = try log.read { tx in try tx.tail()?.recordedAt }
        return clock.recordedTime(after: newest)
    }

    /// The state of one entity as of `point`; nil when it does not exist there.
    /// - Complexity: O(n log n) for the n events of its stream.
    public func entity(_ stream: StreamID, asOf point: AsOf) throws -> Entity? {
        Bitemporal.state(of: try log.read { tx in try tx.events(stream: stream) }, asOf: point)
    }

    /// Every entity of `kind` that exists as of `point`, in id order.
    /// - Complexity: O(n log n) for the n events of the kind's streams.
    public func entities(_ kind: EntityKind, asOf point: AsOf) throws -> [Entity] {
        let events = try log.read { tx in try tx.events(kind: kind) }
        var out: [Entity] = []
        var start = events.startIndex
        while start < events.endIndex {
            let stream = events[start].stream
            var end = start + 1
            while end < events.endIndex, events[end].stream == stream { end += 1 }
            if let e = Bitemporal.state(of: Array(events[start..<end]), asOf: point) { out.append(e) }
            start = end
        }
        return out
    }

    /// Every version of one entity (see ``Bitemporal/history(of:)``).
    public func history(_ stream: StreamID) throws -> [Version] {
        Bitemporal.history(of: try log.read { tx in try tx.events(stream: stream) })
    }
}
