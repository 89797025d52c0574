internal import CLZ4
public import ChronicleCore

/// How payloads are stored: JSON, LZ4-compressed when larger than ``compressionThreshold``.
public enum PayloadCodec: Int, Sendable {
    case json = 0
    /// An LZ4 block: 4-byte little-endian length of the JSON, then the compressed bytes.
    case lz4 = 1

    /// Payloads of more bytes than this are compressed (when that makes them smaller).
    public static let compressionThreshold = 512

    /// The stored form of a JSON payload.
    public static func encode(_ json: [UInt8]) -> (PayloadCodec, [UInt8]) {
        guard json.count > compressionThreshold else { return (.json, json) }
        let bound = Int(LZ4_compressBound(Int32(json.count)))
        var out = [UInt8](repeating: 0, count: 4 + bound)
        let n = json.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                LZ4_compress_default(
                    UnsafeRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(dst.baseAddress! + 4).assumingMemoryBound(to: CChar.self),
                    Int32(json.count), Int32(bound))
            }
        }
        guard n > 0, Int(n) + 4 < json.count else { return (.json, json) }
        let length = UInt32(json.count)
        out[0] = UInt8(length & 0xff)
        out[1] = UInt8(length >> 8 & 0xff)
        out[2] = UInt8(length >> 16 & 0xff)
        out[3] = UInt8(length >> 24 & 0xff)
        out.removeLast(bound - Int(n))
        return (.lz4, out)
    }

    /// The JSON bytes of a stored payload, or nil when they cannot be recovered.
    public static func decode(codec: Int, _ stored: [UInt8]) -> [UInt8]? {
        switch PayloadCodec(rawValue: codec) {
        case .json: return stored
        case .lz4:
            guard stored.count >= 4 else { return nil }
            let length = Int(stored[0]) | Int(stored[1]) << 8 | Int(stored[2]) << 16 | Int(stored[3]) << 24
            guard length > 0, length < 1 << 30 else { return nil }
            var out = [UInt8](repeating: 0, count: length)
            let n = stored.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    LZ4_decompress_safe(
                        UnsafeRawPointer(src.baseAddress! + 4).assumingMemoryBound(to: CChar.self),
                        UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                        Int32(stored.count - 4), Int32(length))
                }
            }
            return Int(n) == length ? out : nil
        case nil: return nil
        }
    }

    /// The event a stored row holds.
    public static func event(type: String, version: Int, codec: Int, payload: [UInt8]) throws(DomainEvent.DecodingError) -> DomainEvent {
        // The commonest payloads, read straight from their bytes (the same event, or nil).
        if codec == PayloadCodec.json.rawValue,
            let flat = payload.withUnsafeBytes({ DomainEvent(type: type, version: version, flatPayload: $0) })
        {
            return flat
        }
        guard let bytes = decode(codec: codec, payload) else {
            throw DomainEvent.DecodingError(type: type, version: version, reason: "payload cannot be decompressed")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes: bytes)
        } catch {
            throw DomainEvent.DecodingError(type: type, version: version, reason: "payload is not JSON: \(error)")
        }
        return try DomainEvent(type: type, version: version, payload: json)
    }
}
