/// An event as the log holds it: its position, stream, both times and the command that made it.
public struct RecordedEvent: Sendable, Equatable {
    public var seq: Int64
    public var stream: StreamID
    public var streamRevision: Int
    public var validFrom: Timestamp
    public var recordedAt: Timestamp
    public var commandID: String
    public var event: DomainEvent

    public init(
        seq: Int64, stream: StreamID, streamRevision: Int, validFrom: Timestamp, recordedAt: Timestamp,
        commandID: String, event: DomainEvent
    ) {
        self.seq = seq
        self.stream = stream
        self.streamRevision = streamRevision
        self.validFrom = validFrom
        self.recordedAt = recordedAt
        self.commandID = commandID
        self.event = event
    }
}

/// An event a decision produces, before the log gives it a position and a recorded time.
public struct EventDraft: Sendable, Equatable {
    public var stream: StreamID
    public var event: DomainEvent

    public init(_ stream: StreamID, _ event: DomainEvent) {
        self.stream = stream
        self.event = event
    }
}

extension RecordedEvent {
    public var isRetraction: Bool {
        if case .eventRetracted = event { return true }
        return false
    }
}
