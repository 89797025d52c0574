import ChronicleCore
import ChronicleTesting
import ChronicleViews
import Foundation
import Testing

/// The direct YAML writer against Yams, its reference: on random documents full of texts that
/// YAML reads in other ways (numbers, times, booleans, colons, quotes, long lines, other
/// scripts), every document the writer takes is byte for byte what Yams writes, and the rest it
/// leaves to Yams.
@Suite struct YAMLWriterTests {
    static let tricky = [
        "", " ", "a", "y", "N", "yes", "No", "ON", "off", "true", "False", "null", "Null", "~", "nan", ".nan", ".inf", "-.inf",
        "1", "-1", "+1", "007", "1.2", "-3.25", "1.", ".5", "1e3", "1E-7", "0x1F", "0o17", "0b101", "1_000", "12:30", "1:2:3",
        "2025-06-01", "2025-06-01T10:00:00Z", "2025-06-01T10:00:00.009Z", "2025-06-01 10:00:00", "2025-6-1T1:00:00Z",
        "a: b", "a:b", "a #b", "a#b", "#a", "-a", "- a", "?a", "a?", "'a'", "\"a\"", "a'b", "a\"b", "[a]", "{a}", "a,b", "*a", "&a",
        "!a", "%a", "@a", "`a", "a|b", "|a", ">a", "a\nb", "a\tb", "é", "aé", "Auth implementation", "2-3_days", "web,mobile",
        "Task 1", "Task  1", "Task 1 ", " Task", "contexts/agents/dev/backend_tasks.yaml", "t.1", "a/b/c", "x-y", "A_B",
        String(repeating: "word ", count: 20), String(repeating: "w", count: 48), String(repeating: "w", count: 49),
        String(repeating: "w", count: 90), "<<", "=", "a=b",
    ]

    static func text(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return tricky.randomElement(using: &random)!
        case 4, 5:
            // Texts as the tree's files mostly hold them.
            let words = ["Task", "feature", "low", "auth_impl", "web.app", "agents/dev", "x-1", "Login", "form", "v2"]
            return (0..<Int.random(in: 1...3, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
        case 1:
            let fraction = Int.random(in: 0..<7, using: &random)
            let digits = fraction == 0 ? "" : "." + String((0..<fraction).map { _ in "0123456789".randomElement(using: &random)! })
            return String(
                format: "20%02d-%02d-%02dT%02d:%02d:%02d", Int.random(in: 0...99, using: &random), Int.random(in: 1...12, using: &random),
                Int.random(in: 1...28, using: &random), Int.random(in: 0...23, using: &random), Int.random(in: 0...59, using: &random),
                Int.random(in: 0...59, using: &random)) + digits + "Z"
        default:
            let alphabet = Array("abcXYZ019 _-./:#'\"é,\n")
            let first = Array("abcXYZ019 _-./:#'\"é")
            let count = Int.random(in: 0...60, using: &random)
            guard count > 0 else { return "" }
            return String(first.randomElement(using: &random)!)
                + String((1..<count).map { _ in alphabet.randomElement(using: &random)! })
        }
    }

    static func number(_ random: inout SeededRandom) -> Double {
        [0, 1, -1, 0.5, 0.87, 2, 1e20, 1e-7, 123_456_789, -0.25, 3.14159, 1.0 / 3.0, 100].randomElement(using: &random)!
    }

    static func value(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 5 : 8), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(number(&random))
        case 3, 4: return .string(text(&random))
        case 5: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(&random, depth: depth + 1) })
        default: return object(&random, depth: depth + 1)
        }
    }

    static func object(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        let keys = [
            "id", "title", "status", "keywords", "params", "value", "revision", "created_at", "steps", "name", "output", "a b", "Key",
            "1x", "on", "with:colon", "ünï", String(repeating: "k", count: 40), "a_much_longer_key_name_than_the_others",
        ]
        var members: [JSONMember] = []
        for key in keys.shuffled(using: &random).prefix(Int.random(in: 1...5, using: &random)) {
            members.append(JSONMember(key, value(&random, depth: depth)))
        }
        return .object(members)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func whatTheWriterTakesIsWhatYamsWrites(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 7_919)
        var taken = 0
        for n in 0..<1_000 {
            let document = Self.object(&random, depth: 0)
            guard let direct = YAMLWriter.document(document) else { continue }
            taken += 1
            let reference = try Rendering.yams(document)
            #expect(direct == reference, "seed \(seed), document \(n): \(document.jsonString)")
        }
        // The writer must take a good share, or the comparison proves little.
        #expect(taken >= 150, "seed \(seed): only \(taken) of 1,000 documents taken")
    }

    /// Every scalar on its own, in a mapping and in a sequence.
    @Test func everyTrickyTextIsPlainQuotedOrLeftToYams() throws {
        for text in Self.tricky {
            for document in [
                JSONValue.object([JSONMember("k", .string(text))]), .object([JSONMember("k", .array([.string(text), .string("x")]))]),
                .object([JSONMember("k", .array([.object([JSONMember("a", .string(text)), JSONMember("b", .number(1))])]))]),
            ] {
                guard let direct = YAMLWriter.document(document) else { continue }
                #expect(direct == (try Rendering.yams(document)), "\(text.debugDescription)")
            }
        }
        // Past the emitter's width of 80, Yams folds a text at a space: left to Yams.
        let wide = JSONValue.object([
            JSONMember(String(repeating: "k", count: 40), .string("abcdefghij abcdefghij abcdefghij abcdefghi jklmn"))
        ])
        #expect(YAMLWriter.document(wide) == nil)
        #expect(try Rendering.yaml(wide) == (try Rendering.yams(wide)))
        // The shapes of the tree's files are taken.
        #expect(YAMLWriter.document(.object([JSONMember("created_at", .string("2025-06-01T10:00:00.009Z"))])) != nil)
        #expect(YAMLWriter.document(.object([JSONMember("title", .string("Task 12")), JSONMember("progress", .number(0.25))])) != nil)
    }
}
