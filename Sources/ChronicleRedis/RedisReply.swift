/// One reply of a Redis server (RESP2, as hiredis 0.14 reads it).
///
/// An error reply is a value here, not a thrown error: in a pipeline or a `MULTI`/`EXEC`, one
/// command's error does not undo the others, and the caller decides what it means.
public enum RedisReply: Sendable, Hashable {
    /// A simple string: `+OK`, `+QUEUED`, `+PONG`.
    case status(String)
    /// An error reply: `-WRONGTYPE …`, `-ERR …`.
    case error(String)
    case integer(Int64)
    /// A bulk string, binary-safe.
    case bulk([UInt8])
    /// The nil bulk string or nil array (`$-1`, `*-1`): a missing key, an aborted `EXEC`.
    case null
    case array([RedisReply])

    /// A status or bulk reply as text (bulk bytes decoded as UTF-8, invalid sequences repaired); `nil` otherwise.
    public var string: String? {
        switch self {
        case .status(let text): text
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// An integer reply's value, or a bulk string that is a decimal integer; `nil` otherwise.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// An array reply's elements; `nil` otherwise.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// An `HGETALL` reply as a dictionary of its fields; `nil` for an empty one (no such key) or
    /// any other reply.
    public var hashFields: [String: String]? {
        guard let items = array, !items.isEmpty else { return nil }
        var fields: [String: String] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) { fields[items[i].string ?? ""] = items[i + 1].string }
        return fields
    }

    /// The error reply's message; `nil` for any other reply.
    public var errorMessage: String? {
        if case .error(let message) = self { message } else { nil }
    }
}

extension RedisReply: CustomStringConvertible {
    /// The reply as `redis-cli` prints it without `--raw`: `"text"`, `(integer) 3`, `(nil)`,
    /// `(error) ERR …`, arrays numbered `1) …`, nested arrays indented.
    public var description: String { lines().joined(separator: "\n") }

    private func lines() -> [String] {
        switch self {
        case .status(let text): return [text]
        case .error(let message): return ["(error) \(message)"]
        case .integer(let value): return ["(integer) \(value)"]
        case .null: return ["(nil)"]
        case .bulk(let bytes): return [Self.quoted(bytes)]
        case .array(let elements):
            if elements.isEmpty { return ["(empty array)"] }
            var out: [String] = []
            for (offset, element) in elements.enumerated() {
                let label = "\(offset + 1)) "
                let inner = element.lines()
                out.append(label + inner[0])
                out += inner.dropFirst().map { String(repeating: " ", count: label.count) + $0 }
            }
            return out
        }
    }

    /// Bytes in double quotes, with `"`, `\` and what is not printable ASCII escaped as `redis-cli` does.
    static func quoted(_ bytes: [UInt8]) -> String {
        var out = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\r"): out += "\\r"
            case UInt8(ascii: "\t"): out += "\\t"
            case 0x07: out += "\\a"
            case 0x08: out += "\\b"
            case 0x20...0x7E: out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + "\""
    }
}
