import ChronicleCore
import ChronicleTesting
import Testing

/// The replay's fast payload reader never disagrees with the full one: whatever payload it
/// takes, it reads as the same event; whatever it refuses, the full reader reads (or rejects)
/// by itself.
@Suite struct FlatPayloadTests {
    static let types: [(String, Int)] = [
        ("task.status_changed", 1), ("workflow.status_changed", 1), ("memory.stored", 1), ("memory.stored", 2),
    ]
    static let keys = ["status", "progress", "value", "memory_type", "type", "category", "significance", "other"]

    /// A random JSON text, mostly a flat object of the members these types read, sometimes
    /// something the fast reader must leave alone (escapes, non-ASCII, exponents, nesting,
    /// repeated members, long numbers, bad syntax).
    static func payload(_ rng: inout SeededRandom) -> String {
        func space() -> String { Int.random(in: 0..<8, using: &rng) == 0 ? [" ", "\n", "\t", "  "].randomElement(using: &rng)! : "" }
        func value() -> String {
            switch Int.random(in: 0..<14, using: &rng) {
            case 0: return "null"
            case 1: return ["true", "false"].randomElement(using: &rng)!
            case 2:
                return "\"" + ["in_progress", "completed", "blocked", "running", "failed", "pending"].randomElement(using: &rng)! + "\""
            case 3: return "\"" + ["semantic", "episodic", "ui", "v12", ""].randomElement(using: &rng)! + "\""
            case 4: return ["\"a\\\"b\"", "\"é\"", "\"tab\\tx\"", "\"\\u0041\""].randomElement(using: &rng)!
            case 5: return ["{}", "[1,2]", "{\"a\":1}", "[]"].randomElement(using: &rng)!
            case 6:
                return ["1e3", "-2.5E-1", "01", "1.", ".5", "-", "0.1234567890123456", "12345678901234567890", "-0", "0.0"].randomElement(
                    using: &rng)!
            default: return number()
            }
        }
        func number() -> String {
            let negative = Bool.random(using: &rng) && Bool.random(using: &rng)
            let whole = Int.random(in: 0..<4, using: &rng) == 0 ? "0" : String(UInt64.random(in: 0...999_999_999, using: &rng))
            let fraction =
                Bool.random(using: &rng)
                ? "." + String((0..<Int.random(in: 1...9, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! }) : ""
            return (negative ? "-" : "") + (whole.hasPrefix("0") && whole.count > 1 ? String(whole.dropFirst()) : whole) + fraction
        }
        if Int.random(in: 0..<30, using: &rng) == 0 {
            return ["", "[]", "{", "{\"status\":}", "{\"status\":\"blocked\",}", "null", "{} x"].randomElement(using: &rng)!
        }
        // Mostly the members of one of the types, with plausible values; now and then another
        // key, a repeated one, or any value.
        let shapes: [[(String, String)]] = [
            [("status", "status"), ("progress", "number")],
            [("value", "any"), ("memory_type", "\"semantic\""), ("category", "any"), ("significance", "number")],
            [("value", "any"), ("type", "\"episodic\""), ("category", "any"), ("significance", "number")],
        ]
        var members: [String] = []
        for (key, plausible) in shapes.randomElement(using: &rng)! where Int.random(in: 0..<5, using: &rng) > 0 {
            var v: String
            switch plausible {
            case "status": v = "\"" + ["in_progress", "completed", "blocked", "running", "failed"].randomElement(using: &rng)! + "\""
            case "number": v = number()
            case "any": v = value()
            default: v = plausible
            }
            if Int.random(in: 0..<6, using: &rng) == 0 { v = value() }
            members.append(space() + "\"" + key + "\"" + space() + ":" + space() + v + space())
        }
        if Int.random(in: 0..<5, using: &rng) == 0 {
            members.insert("\"" + keys.randomElement(using: &rng)! + "\":" + value(), at: Int.random(in: 0...members.count, using: &rng))
        }
        members.shuffle(using: &rng)
        return space() + "{" + members.joined(separator: ",") + "}" + space()
    }

    @Test(arguments: 0..<20)
    func theFastReaderAgreesWithTheFullOne(seed: Int) throws {
        var rng = SeededRandom(state: UInt64(seed) &* 104_729)
        var taken = 0, total = 0
        for _ in 0..<2_000 {
            let text = Self.payload(&rng)
            for (type, version) in Self.types {
                total += 1
                let bytes = Array(text.utf8)
                let full = try? DomainEvent(type: type, version: version, payload: JSONParser.parse(bytes: bytes))
                let fast = bytes.withUnsafeBytes { DomainEvent(type: type, version: version, flatPayload: $0) }
                guard let fast else { continue }
                taken += 1
                #expect(fast == full, "\(type) v\(version): \(text)")
            }
        }
        // The generator is built so that the fast path is taken often: a reader that refused
        // everything would agree trivially.
        #expect(taken * 20 > total, "fast path taken \(taken) of \(total) times")
    }

    /// Numbers the fast reader takes read to exactly the double `Double(String)` gives.
    @Test(arguments: 0..<10)
    func numbersReadExactly(seed: Int) throws {
        var rng = SeededRandom(state: UInt64(seed) &* 7_001 &+ 1)
        var taken = 0
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &rng)
            var d = String((0..<digits).map { _ in "0123456789".randomElement(using: &rng)! })
            while d.count > 1 && d.hasPrefix("0") { d.removeFirst() }
            let point = Int.random(in: 0...d.count, using: &rng)
            var text = point == d.count ? d : String(d.prefix(point)) + "." + String(d.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if Bool.random(using: &rng) { text = "-" + text }
            let payload = Array(#"{"status":"blocked","progress":\#(text)}"#.utf8)
            guard
                case .taskStatusChanged(_, let progress?)? = payload.withUnsafeBytes({
                    DomainEvent(type: "task.status_changed", version: 1, flatPayload: $0)
                })
            else { continue }
            taken += 1
            #expect(progress.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect(taken > 15_000)
    }

    @Test func theCommonPayloadsTakeTheFastPath() throws {
        let cases: [(String, Int, String, DomainEvent)] = [
            ("task.status_changed", 1, #"{"status":"in_progress","progress":0.4}"#, .taskStatusChanged(status: .inProgress, progress: 0.4)),
            (
                "workflow.status_changed", 1, #"{"status":"running","progress":null}"#,
                .workflowStatusChanged(status: .running, progress: nil)
            ),
            (
                "memory.stored", 2, #"{"value":"dark","memory_type":"semantic"}"#,
                .memoryStored(value: "dark", type: "semantic", category: nil, significance: nil)
            ),
            (
                "memory.stored", 1, #"{"value":3,"type":"episodic","category":"ui","significance":0.25}"#,
                .memoryStored(value: 3, type: "episodic", category: "ui", significance: 0.25)
            ),
        ]
        for (type, version, text, event) in cases {
            let fast = Array(text.utf8).withUnsafeBytes { DomainEvent(type: type, version: version, flatPayload: $0) }
            #expect(fast == event, "\(text)")
        }
    }

    /// The replay reads the type column by these names: each once, every event's among them.
    @Test func typeNamesNameEveryEventOnce() {
        #expect(Set(DomainEvent.typeNames).count == DomainEvent.typeNames.count)
        let some: [DomainEvent] =
            PayloadWriterTests.events + [
                .taskRouted(confidence: 1, routing: "r"), .taskRelated(related: []), .taskCompleted(result: nil, nextSteps: nil),
                .workflowStarted(workflow: "w", params: nil, steps: []), .workflowCompleted(result: nil), .workflowCancelled(reason: nil),
                .workflowStepRecorded(step: "s", status: .started, output: nil, error: nil), .contextSummarized(summary: "s"),
                .eventRetracted(seq: 1, reason: "r"), .taskSplitRequested(confidence: 1, reason: "r", children: []),
                .taskUpdated(TaskChanges()), .workflowStatusChanged(status: .running, progress: nil),
                .taskCreated(TaskSpec(id: nil, title: "t", intent: "i", complexity: .low), confidence: 1, routing: "r"),
            ]
        for e in some { #expect(DomainEvent.typeNames.contains(e.type), "\(e.type)") }
        #expect(Set(some.map(\.type)).count == DomainEvent.typeNames.count)
    }
}
