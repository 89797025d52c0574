/// The envelope of a command: its id (idempotency key), valid time and expected stream revision.
public struct Envelope: Sendable, Equatable {
    public var commandID: String?
    public var validAt: Timestamp?
    public var expectedRevision: Int?

    public init(commandID: String? = nil, validAt: Timestamp? = nil, expectedRevision: Int? = nil) {
        self.commandID = commandID
        self.validAt = validAt
        self.expectedRevision = expectedRevision
    }
}
