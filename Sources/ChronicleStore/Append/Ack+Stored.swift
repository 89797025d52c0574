public import ChronicleCore

/// The form in which the log keeps an ack, for exactly-once repeats (column `command_ack`).
///
/// An ack of a known shape (its code and field names, ``storedShapes``) is kept as the shape's
/// digit and the JSON array of its field values: `1["memory/k","stored",1]` (28 bytes where the
/// whole object takes 70; every id'd command of a bulk append writes one). Any other ack, and
/// every ack stored by the builds before this form, is the JSON object `{"ack": code, …fields}`;
/// both forms are read.
extension Ack {
    /// The shapes kept compactly; shape `i` is written as the digit `i + 1`. A storage format:
    /// append new shapes, never reorder or change one.
    static let storedShapes: [(code: String, names: [String])] = [
        ("su", ["entity_id", "status", "version"]),
        ("su", ["entity_id", "status", "progress"]),
        ("tr", ["task_id", "confidence", "routing"]),
        ("cl", ["context_id", "summary"]),
    ]

    /// The stored form, UTF-8, written member by member (no JSON value is built).
    public var stored: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        if let shape = Self.storedShapes.firstIndex(where: { matches($0) }) {
            out.append(UInt8(ascii: "1") + UInt8(shape))
            out.append(UInt8(ascii: "["))
            for (i, member) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
            return out
        }
        out.append(contentsOf: Self.objectPrefix)
        JSONValue.writeString(code, into: &out)
        for member in fields {
            out.append(UInt8(ascii: ","))
            JSONValue.writeString(member.key, into: &out)
            out.append(UInt8(ascii: ":"))
            member.value.write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private func matches(_ shape: (code: String, names: [String])) -> Bool {
        shape.code == code && shape.names.count == fields.count && zip(shape.names, fields).allSatisfy { $0 == $1.key }
    }

    private static let objectPrefix = Array(#"{"ack":"#.utf8)

    /// The ack of a stored form (either); nil when the bytes are neither.
    public init?(stored bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "{") {
            guard let members = (try? JSONParser.parse(bytes: bytes))?.objectMembers, let head = members.first,
                head.key == "ack", let code = head.value.stringValue
            else { return nil }
            self.init(code, Array(members.dropFirst()))
            return
        }
        let shape = Int(first) - Int(UInt8(ascii: "1"))
        guard Self.storedShapes.indices.contains(shape),
            case .array(let values)? = try? JSONParser.parse(bytes: Array(bytes.dropFirst())),
            values.count == Self.storedShapes[shape].names.count
        else { return nil }
        let (code, names) = Self.storedShapes[shape]
        self.init(code, zip(names, values).map { JSONMember($0, $1) })
    }
}
