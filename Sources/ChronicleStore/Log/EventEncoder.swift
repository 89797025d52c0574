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
    /// On the first event of a command with an explicit id: what a retry of the id is answered
    /// with (columns `command_ack` and `command_fingerprint`, outside the hash chain).
    var command: StoredCommand? = nil
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
        try insert(e, type: e.event.type, version: e.event.typeVersion, payloadJSON: json, with: h)
    }

    /// Inserts an event whose payload JSON (of `type` at `version`) is already written; `e.event`
    /// is not read.
    func insert(_ e: PendingEvent, type: String, version: Int, payloadJSON json: [UInt8], with h: OpaquePointer) throws {
        let (codec, payload) = PayloadCodec.encode(json)
        stream.removeAll(keepingCapacity: true)
        stream.append(contentsOf: e.stream.kind.rawValue.utf8)
        stream.append(UInt8(ascii: "/"))
        stream.append(contentsOf: e.stream.id.utf8)
        HashChain.hash(
            previous: head, seq: e.seq, stream: stream, streamRevision: e.streamRevision, type: type.utf8, typeVersion: version,
            validFrom: e.validFrom, recordedAt: e.recordedAt, commandID: e.commandID.utf8, codec: codec.rawValue,
            payload: payload, scratch: &hashed, into: &next)
        // Every text and blob is bound without a copy (SQLITE_STATIC): the buffers outlive the
        // step, and the bindings are cleared before they go.
        var typeName = type
        var commandID = e.commandID
        try stream.withUnsafeBytes { stream in
            try payload.withUnsafeBytes { payload in
                try next.withUnsafeBytes { hash in
                    try typeName.withUTF8 { type in
                        try commandID.withUTF8 { commandID in
                            defer { resetAndClear(h) }
                            sqlite3_bind_int64(h, 1, e.seq)
                            bindStatic(h, 2, stream, text: true)
                            sqlite3_bind_int64(h, 3, Int64(e.streamRevision))
                            bindStatic(h, 4, UnsafeRawBufferPointer(type), text: true)
                            sqlite3_bind_int64(h, 5, Int64(version))
                            sqlite3_bind_int64(h, 6, e.validFrom)
                            sqlite3_bind_int64(h, 7, e.recordedAt)
                            bindStatic(h, 8, UnsafeRawBufferPointer(commandID), text: true)
                            sqlite3_bind_int64(h, 9, Int64(codec.rawValue))
                            bindStatic(h, 10, payload, text: false)
                            bindStatic(h, 11, hash, text: false)
                            try step(h, recording: e.command)
                        }
                    }
                }
            }
        }
        swap(&head, &next)
    }

    /// Steps the insert, with the command record bound (columns 12 and 13) when there is one.
    private func step(_ h: OpaquePointer, recording command: StoredCommand?) throws {
        guard let command else {
            _ = try LogTransaction.step(h)
            return
        }
        try command.fingerprint.withUnsafeBytes { fingerprint in
            try command.ack.withUnsafeBytes { ack in
                bindStatic(h, 12, fingerprint, text: false)
                bindStatic(h, 13, ack, text: true)
                if sqlite3_step(h) == SQLITE_DONE { return }
                let db = sqlite3_db_handle(h)
                let message = String(cString: sqlite3_errmsg(db))
                // The unique index of recorded ids (the other unique key is (stream, stream_rev)).
                if sqlite3_extended_errcode(db) == Self.uniqueConstraint, message.contains("events.command_id") {
                    throw LogTransaction.CommandIDRecordedBefore()
                }
                throw StoreError.write(reason: message)
            }
        }
    }

    /// SQLITE_CONSTRAINT_UNIQUE (an extended code: a macro Swift does not import).
    private static let uniqueConstraint: Int32 = SQLITE_CONSTRAINT | (8 << 8)
}

/// Binds `bytes` without copying them: they must stay valid until the statement is reset and
/// its bindings cleared.
private func bindStatic(_ h: OpaquePointer, _ i: Int32, _ bytes: UnsafeRawBufferPointer, text: Bool) {
    // An empty buffer may have no address; SQLite needs one for an empty, non-NULL value.
    let base = bytes.baseAddress ?? UnsafeRawPointer(emptyValue.utf8Start)
    if text {
        sqlite3_bind_text(h, i, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    } else {
        sqlite3_bind_blob(h, i, base, Int32(bytes.count), nil)
    }
}

private let emptyValue: StaticString = ""
