import ChronicleCore
import Testing

/// The append path's payload writer gives exactly the bytes of the payload value.
@Suite struct PayloadWriterTests {
    static let events: [DomainEvent] = [
        .memoryStored(value: "dark", type: "semantic", category: nil, significance: nil),
        .memoryStored(
            value: .object([JSONMember("theme", "dark"), JSONMember("n", 3)]), type: "episodic", category: "ui", significance: 0.25),
        .memoryStored(value: "quote \" backslash \\ newline \n", type: "semantic", category: "x", significance: nil),
        .memoryStored(value: .array([1.5, nil, true]), type: "semantic", category: nil, significance: 1),
        .taskStatusChanged(status: .inProgress, progress: 0.45),
        .taskStatusChanged(status: .completed, progress: nil),
        .taskStatusChanged(status: .blocked, progress: 1),
        .taskCancelled(reason: "no"),
        .memoryForgotten,
    ]

    @Test(arguments: events)
    func writerMatchesThePayloadValue(event: DomainEvent) {
        var fast: [UInt8] = []
        event.writePayload(into: &fast)
        var slow: [UInt8] = []
        event.payload.write(into: &slow)
        #expect(fast == slow)
        #expect(String(decoding: fast, as: UTF8.self) == event.payload.jsonString)
    }
}

/// Payload versions: every event is written at its type's current version, and an older
/// version's payload reads as the same event.
@Suite struct UpcastTests {
    @Test(arguments: PayloadWriterTests.events)
    func eventsAreWrittenAtTheirTypesCurrentVersion(event: DomainEvent) {
        #expect(event.typeVersion == DomainEvent.currentVersion(of: event.type))
    }

    @Test func memoryStoredVersion1ReadsAsVersion2() throws {
        let v1: JSONValue = .object([JSONMember("value", "dark"), JSONMember("type", "semantic"), JSONMember("category", "ui")])
        let v2: JSONValue = .object([JSONMember("value", "dark"), JSONMember("memory_type", "semantic"), JSONMember("category", "ui")])
        let event = DomainEvent.memoryStored(value: "dark", type: "semantic", category: "ui", significance: nil)
        #expect(try DomainEvent(type: "memory.stored", version: 1, payload: v1) == event)
        #expect(try DomainEvent(type: "memory.stored", version: 2, payload: v2) == event)
        #expect(event.payload == v2)
        #expect(Upcast.toCurrent(type: "memory.stored", version: 1, payload: v1) == v2)
        #expect(throws: DomainEvent.DecodingError.self) { try DomainEvent(type: "memory.stored", version: 3, payload: v2) }
        #expect(throws: DomainEvent.DecodingError.self) { try DomainEvent(type: "memory.stored", version: 2, payload: v1) }
        #expect(throws: DomainEvent.DecodingError.self) { try DomainEvent(type: "memory.forgotten", version: 2, payload: .object([])) }
    }
}

/// The byte writers of the ack path give exactly what the String forms give.
@Suite struct ByteWriterTests {
    @Test(arguments: [0, -0.0, 1, -1, 0.45, 1e15, -9_007_199_254_740_991, 9_007_199_254_740_992, 1e300, 123_456_789, .nan, .infinity])
    func numbersAreWrittenAsFormatted(n: Double) {
        var out: [UInt8] = []
        JSONValue.write(number: n, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == JSONValue.format(number: n))
    }

    @Test(arguments: [
        ("plain", "plain"), ("a|b", #"a\|b"#), (#"back\slash"#, #"back\\slash"#), ("two\nlines", #"two\nlines"#),
        ("crlf\r\n", #"crlf\r\n"#), ("é|ü", #"é\|ü"#),
    ])
    func fieldsAreEscapedByteByByte(text: String, escaped: String) throws {
        #expect(CodedLanguage.escape(text) == escaped)
        var out: [UInt8] = []
        CodedLanguage.writeEscaped(text, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == escaped)
    }

    @Test func aCodedAckIsItsFieldsJoined() {
        let ack = Ack.su("task_1", "in_progress", 0.4)
        #expect(ack.coded == "su:task_1|in_progress|0.4")
        #expect(Ack.error(CommandError(.parse, "bad | bar", recovery: "fix"), line: 3).coded == #"er:parse|line 3: bad \| bar|fix"#)
    }
}
