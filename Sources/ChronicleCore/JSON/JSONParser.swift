/// A byte-level JSON reader, strict or relaxed.
///
/// Relaxed mode (coded-language fields) also takes unquoted keys, single-quoted strings and
/// trailing commas: `{name:'MyApp',scope:'web,mobile'}`. Nesting deeper than ``maxDepth`` is
/// refused rather than risking the stack on hostile input.
public struct JSONParser {
    public static let maxDepth = 64

    /// Why a text is not JSON, with the byte offset where reading stopped.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset + 1)" }
    }

    private let bytes: [UInt8]
    private let relaxed: Bool
    private var i = 0

    private init(bytes: [UInt8], relaxed: Bool) {
        self.bytes = bytes
        self.relaxed = relaxed
    }

    /// Parses one complete JSON value; anything but whitespace after it is an error.
    public static func parse(_ text: some StringProtocol, relaxed: Bool = false) throws(Failure) -> JSONValue {
        try parse(bytes: Array(text.utf8), relaxed: relaxed)
    }

    public static func parse(bytes: [UInt8], relaxed: Bool = false) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, relaxed: relaxed)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected text after the value") }
        return value
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        skipSpace()
        guard i < bytes.count else { throw fail("expected a value, found the end") }
        switch bytes[i] {
        case 123: return try object(depth: depth)
        case 91: return try array(depth: depth)
        case 34: return .string(try string(quote: 34))
        case 39 where relaxed: return .string(try string(quote: 39))
        case 116: try literal("true"); return .bool(true)
        case 102: try literal("false"); return .bool(false)
        case 110: try literal("null"); return .null
        case 45, 48...57: return .number(try number())
        default: throw fail("unexpected character '\(Self.printable(bytes[i]))'")
        }
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 32 && c < 127 ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }

    private mutating func literal(_ word: String) throws(Failure) {
        for c in word.utf8 {
            guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(word)'") }
            i += 1
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        i += 1
        var members: [JSONMember] = []
        skipSpace()
        if i < bytes.count, bytes[i] == 125 {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if relaxed, bytes[i] == 125, !members.isEmpty {
                i += 1
                return .object(members)
            }
            let key: String
            switch bytes[i] {
            case 34: key = try string(quote: 34)
            case 39 where relaxed: key = try string(quote: 39)
            default:
                guard relaxed else { throw fail("expected a quoted key") }
                key = try bareKey()
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == 58 else { throw fail("expected ':' after key \"\(key)\"") }
            i += 1
            let v = try value(depth: depth + 1)
            members.append(JSONMember(key, v))
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == 44 {
                i += 1
            } else if bytes[i] == 125 {
                i += 1
                return .object(members)
            } else {
                throw fail("expected ',' or '}' in object")
            }
        }
    }

    private mutating func bareKey() throws(Failure) -> String {
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            let ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 36
            guard ok else { break }
            i += 1
        }
        guard i > start else { throw fail("expected a key") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == 93 {
            i += 1
            return .array(items)
        }
        while true {
            skipSpace()
            if relaxed, i < bytes.count, bytes[i] == 93, !items.isEmpty {
                i += 1
                return .array(items)
            }
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == 44 {
                i += 1
            } else if bytes[i] == 93 {
                i += 1
                return .array(items)
            } else {
                throw fail("expected ',' or ']' in array")
            }
        }
    }

    /// The number grammar of RFC 8259 in both modes: no leading zeros (`01`), and at least one
    /// digit after `.` and after the exponent mark (`1.`, `1e` are refused).
    private mutating func number() throws(Failure) -> Double {
        let start = i
        if bytes[i] == 45 { i += 1 }
        func digits() -> Int {
            let from = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
            return i - from
        }
        let intStart = i
        var wellFormed = digits() > 0 && (bytes[intStart] != 48 || i - intStart == 1)
        let isInteger = i >= bytes.count || (bytes[i] != 46 && bytes[i] != 101 && bytes[i] != 69)
        if i < bytes.count, bytes[i] == 46 {
            i += 1
            wellFormed = digits() > 0 && wellFormed
        }
        if i < bytes.count, bytes[i] == 101 || bytes[i] == 69 {
            i += 1
            if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 { i += 1 }
            wellFormed = digits() > 0 && wellFormed
        }
        guard wellFormed, let n = Double(String(decoding: bytes[start..<i], as: UTF8.self)), n.isFinite else {
            i = start
            throw fail("malformed number")
        }
        // Numbers are doubles: an integer beyond ±2^53 would be stored as another one. Refused,
        // never rounded (write it as a string to keep every digit).
        let integerDigits = bytes[intStart..<(intStart + (isInteger ? i - intStart : 0))]
        if isInteger,
            integerDigits.count > 16
                || (integerDigits.count == 16 && integerDigits.lexicographicallyPrecedes(Self.twoTo53) == false
                    && !integerDigits.elementsEqual(Self.twoTo53))
        {
            let literal = String(decoding: bytes[start..<i], as: UTF8.self)
            i = start
            throw fail("the integer \(literal) is beyond ±2^53 and would not be kept exactly (write it as a string)")
        }
        return n
    }

    /// 2^53, the largest integer up to which every integer is a double: its digits.
    private static let twoTo53 = Array("9007199254740992".utf8)

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string(quote: UInt8) throws(Failure) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != quote, bytes[i] != 92, bytes[i] >= 32 { i += 1 }
        if i < bytes.count, bytes[i] == quote {
            let s = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            return s
        }
        var out = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let c = bytes[i]
            if c == quote {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            guard c >= 32 else { throw fail("control character in string") }
            if c != 92 {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case 34, 92, 47: out.append(e)
            case 39 where relaxed: out.append(e)
            case 98: out.append(8)
            case 102: out.append(12)
            case 110: out.append(10)
            case 114: out.append(13)
            case 116: out.append(9)
            case 117:
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard i + 1 < bytes.count, bytes[i] == 92, bytes[i + 1] == 117 else {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw fail("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: String(Character(u)).utf8)
            default: throw fail("unknown escape '\\\(Self.printable(e))'")
            }
        }
    }
}
