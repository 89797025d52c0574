public import ChronicleCore

/// The form in which the `commands` table keeps an ack, for exactly-once repeats.
extension Ack {
    /// `{"ack": code, …fields}` as UTF-8, written member by member (the bytes of
    /// `JSONValue.object([("ack", code)] + fields).jsonString`, without building that value:
    /// every id'd command of a bulk append pays this).
    public var storedJSON: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        out.append(contentsOf: Self.storedPrefix)
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

    private static let storedPrefix = Array(#"{"ack":"#.utf8)

    public init?(storedJSON bytes: [UInt8]) {
        guard let members = (try? JSONParser.parse(bytes: bytes))?.objectMembers, let first = members.first,
            first.key == "ack", let code = first.value.stringValue
        else { return nil }
        self.init(code, Array(members.dropFirst()))
    }
}
