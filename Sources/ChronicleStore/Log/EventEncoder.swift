internal import ChronicleCore
internal import GRDBSQLite

/// One event as the appender decided it, not yet stored: its payload, codec and hash are
/// computed by whichever thread inserts it (the writing thread, in bulk groups).
struct PendingEvent {
    var seq: Int64
    var stream: StreamID
    var streamRevision: Int
    var event: DomainEvent
    var validFrom: Int64
    var recordedAt: Int64
    var commandID: String
}

/// Turns pending events into rows (payload JSON, codec, SHA-256 chained to the previous row)
/// and inserts them. Its buffers are reused, so an event costs no allocation in the usual case.
///
/// Used by one thread at a time: the appender's, or the writing thread's while a bulk group's
/// writes are handed over (``WritePipeline/drain()`` orders the two).
final class EventEncoder {
    /// The hash of the newest event: the one last inserted, or the one the chain was started at.
    private(set) var head: [UInt8] = HashChain.genesis
    private var next: [UInt8] = []
    private var json: [UInt8] = []
    private var stream: [UInt8] = []
    private var hashed: [UInt8] = []

    /// Continues the chain after the event whose hash is `hash` (the log's newest).
    func start(after hash: [UInt8]) { head = hash }

    func insert(_ e: PendingEvent, with h: OpaquePointer) throws {
        json.removeAll(keepingCapacity: true)
        e.event.writePayload(into: &json)
        let (codec, payload) = PayloadCodec.encode(json)
        stream.removeAll(keepingCapacity: true)
        stream.append(contentsOf: e.stream.kind.rawValue.utf8)
        stream.append(UInt8(ascii: "/"))
        stream.append(contentsOf: e.stream.id.utf8)
        let type = e.event.type
        let version = e.event.typeVersion
        HashChain.hash(
            previous: head, seq: e.seq, stream: stream, streamRevision: e.streamRevision, type: type, typeVersion: version,
            validFrom: e.validFrom, recordedAt: e.recordedAt, commandID: e.commandID, codec: codec.rawValue,
            payload: payload, scratch: &hashed, into: &next)
        defer { sqlite3_reset(h) }
        sqlite3_bind_int64(h, 1, e.seq)
        bindBlobAsText(h, 2, stream)
        sqlite3_bind_int64(h, 3, Int64(e.streamRevision))
        bindText(h, 4, type)
        sqlite3_bind_int64(h, 5, Int64(version))
        sqlite3_bind_int64(h, 6, e.validFrom)
        sqlite3_bind_int64(h, 7, e.recordedAt)
        bindText(h, 8, e.commandID)
        sqlite3_bind_int64(h, 9, Int64(codec.rawValue))
        bindBlob(h, 10, payload)
        bindBlob(h, 11, next)
        _ = try LogTransaction.step(h)
        swap(&head, &next)
    }
}
