public import ChronicleCore
internal import GRDB

/// One event as `chronicle tail --format json` prints it: every column but the codec and hash,
/// the payload as JSON at its stored version.
public struct ExportedEvent: Sendable, Equatable {
    public var seq: Int64
    public var stream: StreamID
    public var streamRevision: Int
    public var type: String
    public var typeVersion: Int
    public var validFrom: Timestamp
    public var recordedAt: Timestamp
    public var commandID: String
    public var payload: JSONValue

    public init(
        seq: Int64, stream: StreamID, streamRevision: Int, type: String, typeVersion: Int, validFrom: Timestamp,
        recordedAt: Timestamp, commandID: String, payload: JSONValue
    ) {
        self.seq = seq
        self.stream = stream
        self.streamRevision = streamRevision
        self.type = type
        self.typeVersion = typeVersion
        self.validFrom = validFrom
        self.recordedAt = recordedAt
        self.commandID = commandID
        self.payload = payload
    }

    /// The form `chronicle tail --format json` prints.
    public var json: JSONValue {
        .object([
            JSONMember("seq", .number(Double(seq))), JSONMember("stream", .string(stream.description)),
            JSONMember("rev", .number(Double(streamRevision))), JSONMember("type", .string(type)),
            JSONMember("type_version", .number(Double(typeVersion))), JSONMember("valid_from", .string(validFrom.rfc3339)),
            JSONMember("recorded_at", .string(recordedAt.rfc3339)), JSONMember("command_id", .string(commandID)),
            JSONMember("payload", payload),
        ])
    }

    /// Reads one exported line's object; nil when a field is missing or malformed.
    public init?(_ v: JSONValue) {
        guard let seq = v["seq"]?.numberValue, let streamName = v["stream"]?.stringValue, let stream = StreamID(streamName),
            let rev = v["rev"]?.numberValue, let type = v["type"]?.stringValue, let version = v["type_version"]?.numberValue,
            let valid = v["valid_from"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }),
            let recorded = v["recorded_at"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }),
            let command = v["command_id"]?.stringValue, let payload = v["payload"]
        else { return nil }
        self.seq = Int64(seq)
        self.stream = stream
        self.streamRevision = Int(rev)
        self.type = type
        self.typeVersion = Int(version)
        self.validFrom = valid
        self.recordedAt = recorded
        self.commandID = command
        self.payload = payload
    }
}
