import ChronicleCore
import Testing

/// A stored payload whose number is out of range (a damaged row, or one written by hand) is a
/// decoding error, never a trap, for every numeric field of every event type: not finite for the
/// fractions, not a whole number ≥ 1 in the Int64 range for a position. (Stored JSON text cannot
/// hold a non-finite number, `1e400` is a parse error; a payload built in memory, as upcasts and
/// snapshots build them, can.) The flat reader of the commonest payloads refuses them too.
@Suite struct DamagedPayloadTests {
    /// (event type, version, the payload's other members, the numeric field).
    static let fields: [(String, Int, [JSONMember], String)] = [
        (
            "task.created", 1,
            [
                JSONMember("title", .string("T")), JSONMember("intent", .string("i")), JSONMember("complexity", .string("low")),
                JSONMember("routing", .string("one_shot")),
            ], "confidence"
        ),
        ("task.updated", 1, [JSONMember("title", .string("T"))], "confidence"),
        ("task.split_requested", 1, [JSONMember("reason", .string("r"))], "confidence"),
        ("task.routed", 1, [JSONMember("routing", .string("one_shot"))], "confidence"),
        ("task.status_changed", 1, [JSONMember("status", .string("in_progress"))], "progress"),
        ("workflow.status_changed", 1, [JSONMember("status", .string("running"))], "progress"),
        ("memory.stored", 2, [JSONMember("value", .string("v")), JSONMember("memory_type", .string("semantic"))], "significance"),
        ("event.retracted", 1, [JSONMember("reason", .string("r"))], "seq"),
    ]

    static let fractionsOutOfRange: [Double] = [.infinity, -.infinity, .nan]
    static let positionsOutOfRange: [Double] = [.infinity, -.infinity, .nan, 0.5, 0, -3, 1e19, 9_223_372_036_854_775_808, 1e300]

    @Test(arguments: fields.indices)
    func anOutOfRangeNumberIsADecodingError(index: Int) throws {
        let (type, version, members, field) = Self.fields[index]
        for number in field == "seq" ? Self.positionsOutOfRange : Self.fractionsOutOfRange {
            let payload = JSONValue.object(members + [JSONMember(field, .number(number))])
            #expect(throws: DomainEvent.DecodingError.self, "\(type) \(field) \(number)") {
                try DomainEvent(type: type, version: version, payload: payload)
            }
        }
    }

    /// The flat reader refuses the texts of such numbers (`1e400`: exponents are the full
    /// reader's), and the full reader refuses to parse them.
    @Test func theFlatReaderLeavesThemToTheFullReader() {
        for text in [#"{"status":"in_progress","progress":1e400}"#, #"{"value":"v","memory_type":"semantic","significance":-1e400}"#] {
            let bytes = Array(text.utf8)
            for (type, version) in [("task.status_changed", 1), ("memory.stored", 2)] {
                bytes.withUnsafeBytes { raw in #expect(DomainEvent(type: type, version: version, flatPayload: raw) == nil, "\(text)") }
            }
            #expect(throws: (any Error).self) { try JSONParser.parse(bytes: bytes) }
        }
    }

    @Test(arguments: fields.indices)
    func anInRangeNumberIsRead(index: Int) throws {
        let (type, version, members, field) = Self.fields[index]
        let number: Double = field == "seq" ? 42 : 0.5
        let event = try DomainEvent(type: type, version: version, payload: .object(members + [JSONMember(field, .number(number))]))
        #expect(event.payload[field]?.numberValue == number)
    }
}
