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

extension EventLog {
    /// Appends events exported from another log, exactly as they were stored (payloads keep
    /// their version; codec and hash are computed here, chained to this log). The first must
    /// take the next position, and each must decode. For restoring a copy, and for logs of
    /// older payload versions.
    public func importEvents(_ events: [ExportedEvent]) throws {
        try write { tx in
            let tail = try tx.tail()
            var expected = (tail?.seq ?? 0) + 1
            try tx.startChain(after: tail?.hash ?? HashChain.genesis)
            let h = try tx.hot.statement(.insert, tx.db)
            for e in events {
                guard e.seq == expected else {
                    throw StoreError.corruptEvent(seq: e.seq, reason: "expected position \(expected)")
                }
                do {
                    _ = try DomainEvent(type: e.type, version: e.typeVersion, payload: e.payload)
                } catch {
                    throw StoreError.corruptEvent(seq: e.seq, reason: "\(error)")
                }
                var json: [UInt8] = []
                e.payload.write(into: &json)
                try tx.encoder.insert(
                    PendingEvent(
                        seq: e.seq, stream: e.stream, streamRevision: e.streamRevision, event: .memoryForgotten,
                        validFrom: e.validFrom.microseconds, recordedAt: e.recordedAt.microseconds, commandID: e.commandID),
                    type: e.type, version: e.typeVersion, payloadJSON: json, with: h)
                expected += 1
            }
        }
    }
}
