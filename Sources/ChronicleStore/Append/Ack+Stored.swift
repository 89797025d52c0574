public import ChronicleCore

/// The form in which the `commands` table keeps an ack, for exactly-once repeats.
extension Ack {
    /// `{"ack": code, …fields}`.
    public var storedJSON: String { JSONValue.object([JSONMember("ack", .string(code))] + fields).jsonString }

    public init?(storedJSON text: String) {
        guard let members = (try? JSONParser.parse(text))?.objectMembers, let first = members.first,
            first.key == "ack", let code = first.value.stringValue
        else { return nil }
        self.init(code, Array(members.dropFirst()))
    }
}
