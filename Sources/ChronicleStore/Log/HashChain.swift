/// The SHA-256 chain over the log: each event's hash covers the previous hash and every column.
public enum HashChain {
    /// The "previous hash" of the first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// SHA-256(previous ‖ seq ‖ stream ‖ stream_rev ‖ type ‖ type_version ‖ valid_from ‖ recorded_at ‖
    /// command_id ‖ codec ‖ payload), integers as 8 bytes little-endian, texts and blobs length-prefixed.
    public static func hash(
        previous: [UInt8], seq: Int64, stream: String, streamRevision: Int, type: String, typeVersion: Int,
        validFrom: Int64, recordedAt: Int64, commandID: String, codec: Int, payload: [UInt8]
    ) -> [UInt8] {
        var scratch: [UInt8] = []
        var out: [UInt8] = []
        hash(
            previous: previous, seq: seq, stream: stream.utf8, streamRevision: streamRevision, type: type.utf8,
            typeVersion: typeVersion, validFrom: validFrom, recordedAt: recordedAt, commandID: commandID.utf8,
            codec: codec, payload: payload, scratch: &scratch, into: &out)
        return out
    }

    /// The same, building the hashed bytes in `scratch` and writing the 32-byte hash over `out`'s
    /// contents (both reused across calls on the append path: no allocation per event).
    static func hash(
        previous: [UInt8], seq: Int64, stream: some Collection<UInt8>, streamRevision: Int, type: some Collection<UInt8>,
        typeVersion: Int, validFrom: Int64, recordedAt: Int64, commandID: some Collection<UInt8>, codec: Int, payload: [UInt8],
        scratch buffer: inout [UInt8], into out: inout [UInt8]
    ) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: previous)
        func int(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
        func bytes(_ b: some Collection<UInt8>) {
            int(Int64(b.count))
            buffer.append(contentsOf: b)
        }
        int(seq)
        bytes(stream)
        int(Int64(streamRevision))
        bytes(type)
        int(Int64(typeVersion))
        int(validFrom)
        int(recordedAt)
        bytes(commandID)
        int(Int64(codec))
        bytes(payload)
        buffer.withUnsafeBytes { SHA256.hash($0, into: &out) }
    }
}
