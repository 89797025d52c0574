/// What the log keeps of a command that carried an explicit id, for exactly-once retries: the
/// ack it got (``ChronicleCore/Ack/stored``) and its ``CommandFingerprint``.
public struct StoredCommand: Sendable, Equatable {
    public var ack: [UInt8]
    public var fingerprint: [UInt8]

    public init(ack: [UInt8], fingerprint: [UInt8]) {
        self.ack = ack
        self.fingerprint = fingerprint
    }
}
