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
