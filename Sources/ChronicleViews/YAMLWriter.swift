public import ChronicleCore

/// YAML for the common shapes of Chronicle's documents, written directly: the same bytes Yams's
/// emitter writes for them (block style, two-space indent, sequences under a key not indented),
/// without its cost (a regular expression per scalar, a node tree per document), which was two
/// thirds of a YAML tree's rebuild. It takes only what it is sure of: scalars that are plain as
/// they stand (a letter first, then letters, digits, `_ . / -` and single spaces, not a word YAML
/// reads as a boolean or null), numbers written as digits, and the texts Yams quotes in single
/// quotes because they would read as a number or a time; anything else (a longer or other text,
/// a sequence in a sequence, an empty text) is nil, and the caller asks Yams. A property test
/// holds it to Yams's bytes on random documents.
public enum YAMLWriter {
    /// `value` (an object) as a block YAML document, or nil when it is not a shape this writer takes.
    /// - Complexity: O(size of the document).
    public static func document(_ value: JSONValue) -> String? {
        guard case .object(let members) = value, !members.isEmpty else { return nil }
        var out = ""
        out.reserveCapacity(512)
        guard mapping(members, indent: 0, into: &out) else { return nil }
        // The emitter folds a plain or quoted text at a space past its line width (80): only
        // documents whose lines all fit are taken (the writer writes ASCII only, a byte a column).
        return out.utf8.split(separator: 10).allSatisfy({ $0.count <= longestLine }) ? out : nil
    }

    /// The longest line taken, within the emitter's width of 80.
    static let longestLine = 76

    /// The longest text taken.
    static let longestText = 48

    /// `inline`: the mapping is an item of a sequence, its first member follows the item's `- `.
    private static func mapping(_ members: [JSONMember], indent: Int, inline: Bool = false, into out: inout String) -> Bool {
        for (n, member) in members.enumerated() {
            guard let key = plain(member.key) else { return false }
            if n > 0 || !inline { out += String(repeating: " ", count: indent) }
            out += key
            out += ":"
            guard value(member.value, indent: indent, into: &out) else { return false }
        }
        return true
    }

    /// A member's value after its `key:`.
    private static func value(_ value: JSONValue, indent: Int, into out: inout String) -> Bool {
        switch value {
        case .array(let items) where items.isEmpty: out += " []\n"
        case .object(let members) where members.isEmpty: out += " {}\n"
        case .object(let members):
            out += "\n"
            return mapping(members, indent: indent + 2, into: &out)
        case .array(let items):
            out += "\n"
            return sequence(items, indent: indent, into: &out)
        default:
            guard let text = scalar(value) else { return false }
            out += " "
            out += text
            out += "\n"
        }
        return true
    }

    private static func sequence(_ items: [JSONValue], indent: Int, into out: inout String) -> Bool {
        for item in items {
            out += String(repeating: " ", count: indent)
            out += "- "
            switch item {
            case .array(let inner) where inner.isEmpty: out += "[]\n"
            case .object(let members) where members.isEmpty: out += "{}\n"
            case .object(let members): guard mapping(members, indent: indent + 2, inline: true, into: &out) else { return false }
            case .array: return false
            default:
                guard let text = scalar(item) else { return false }
                out += text
                out += "\n"
            }
        }
        return true
    }

    private static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            let text = JSONValue.format(number: n)
            return isDecimal(text) ? text : nil
        case .string(let s): return plain(s) ?? quoted(s)
        default: return nil
        }
    }

    /// `s` as a plain scalar, when YAML reads it back as this very text.
    static func plain(_ s: String) -> String? {
        let utf8 = s.utf8
        guard let first = utf8.first, utf8.count <= longestText, isLetter(first), utf8.last != 32 else { return nil }
        var previous: UInt8 = 0
        for c in utf8 {
            let allowed = isLetter(c) || isDigit(c) || c == 95 || c == 46 || c == 47 || c == 45 || (c == 32 && previous != 32)
            guard allowed else { return nil }
            previous = c
        }
        guard utf8.count > 5 || !readsAsOtherType.contains(s.lowercased()) else { return nil }
        return s
    }

    /// Words YAML 1.1 reads as booleans or null (any case).
    static let readsAsOtherType: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]

    /// `s` in single quotes, for the texts that would read as a number or as a time: digits with
    /// an optional sign and decimal part, and RFC 3339 times as the log writes them.
    static func quoted(_ s: String) -> String? {
        guard !s.isEmpty, s.utf8.count <= longestText, isDecimal(s) || isTime(s) else { return nil }
        return "'" + s + "'"
    }

    /// `-?[0-9]+(\.[0-9]+)?`
    static func isDecimal(_ s: String) -> Bool {
        var digits = 0, dot = false, afterDot = 0
        for (i, c) in s.utf8.enumerated() {
            if c == 45 && i == 0 { continue }
            if c == 46 && !dot && digits > 0 {
                dot = true
                continue
            }
            guard isDigit(c) else { return false }
            if dot { afterDot += 1 } else { digits += 1 }
        }
        return digits > 0 && (!dot || afterDot > 0)
    }

    /// `YYYY-MM-DDTHH:MM:SS(.fraction)?Z`
    static func isTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 20, b.last == 90 else { return false }
        let shape: [UInt8] = Array("0000-00-00T00:00:00".utf8)
        for (i, c) in shape.enumerated() {
            guard c == 48 ? isDigit(b[i]) : b[i] == c else { return false }
        }
        if b.count == 20 { return true }
        guard b[19] == 46, b.count > 21 else { return false }
        return b[20..<(b.count - 1)].allSatisfy(isDigit)
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}
