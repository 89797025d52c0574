/// Compact, deterministic JSON output, written byte by byte (the append path's payload encoder).
extension JSONValue {
    /// The compact JSON text of this value: members in their stored order, no spaces.
    public var jsonString: String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON encoding of this value to `out`.
    /// - Complexity: O(size of the value).
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: [110, 117, 108, 108])
        case .bool(let b): b ? out.append(contentsOf: [116, 114, 117, 101]) : out.append(contentsOf: [102, 97, 108, 115, 101])
        case .number(let n): Self.write(number: n, into: &out)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out.append(91)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(44) }
                item.write(into: &out)
            }
            out.append(93)
        case .object(let members):
            out.append(123)
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(44) }
                Self.writeString(member.key, into: &out)
                out.append(58)
                member.value.write(into: &out)
            }
            out.append(125)
        }
    }

    /// Numbers as people write them: integral values without a fraction (`1`, not `1.0`).
    public static func format(number n: Double) -> String {
        if n.isNaN || n.isInfinite { return "null" }
        if n == n.rounded(), abs(n) <= 9_007_199_254_740_992 { return String(Int64(n)) }
        return String(n)
    }

    /// Appends ``format(number:)`` of `n` to `out`; integral values digit by digit, without a String.
    public static func write(number n: Double, into out: inout [UInt8]) {
        guard !n.isNaN, !n.isInfinite, n == n.rounded(), abs(n) <= 9_007_199_254_740_992 else {
            out.append(contentsOf: format(number: n).utf8)
            return
        }
        var v = Int64(n)
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            v = -v
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
                count += 1
            } while v > 0
            while count > 0 {
                count -= 1
                out.append(d[count])
            }
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(34)
        var s = s
        s.withUTF8 { bytes in
            // Most texts need no escape: one copy then, not a test and an append per byte.
            if !bytes.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 }) {
                out.append(contentsOf: bytes)
                return
            }
            for c in bytes {
                switch c {
                case 34: out.append(92); out.append(34)
                case 92: out.append(92); out.append(92)
                case 10: out.append(92); out.append(110)
                case 13: out.append(92); out.append(114)
                case 9: out.append(92); out.append(116)
                case 0..<32:
                    out.append(contentsOf: [92, 117, 48, 48])
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 15)])
                default: out.append(c)
                }
            }
        }
        out.append(34)
    }
}
