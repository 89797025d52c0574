import ChronicleCore
import Foundation
import Testing

@Suite struct JSONParserTests {
    static let strict: [(String, JSONValue)] = [
        ("null", nil),
        ("true", true),
        ("false", false),
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-17", -17),
        ("3.25", 3.25),
        ("1e3", 1000),
        ("1E+3", 1000),
        ("2.5e-3", 0.0025),
        ("0.1", 0.1),
        ("9007199254740992", 9_007_199_254_740_992),  // 2^53: every integer up to it is a double
        ("-9007199254740992", -9_007_199_254_740_992),
        ("9007199254740993.0", 9_007_199_254_740_992),  // a fraction or exponent says "a double": rounded
        (#""""#, ""),
        (#""abc""#, "abc"),
        ("[]", []),
        ("{}", .object([])),
        (" \t\r\n[ 1 , \"a\" , null ] \n", [1, "a", nil]),
        (#"{"b":1,"a":2}"#, object(["b": 1, "a": 2])),  // members keep their written order
        (#"{"a":{"b":[{"c":[]}]}}"#, object(["a": object(["b": [object(["c": []])]])])),
        (#"{"dup":1,"dup":2}"#, .object([JSONMember("dup", 1), JSONMember("dup", 2)])),
        ("\"caf\u{e9} \u{2615}\"", "café ☕"),
        ("\"\u{7f}\"", "\u{7f}"),
    ]

    @Test(arguments: strict)
    func strictValue(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
        // Everything strict JSON accepts, relaxed JSON accepts the same way.
        #expect(try JSONParser.parse(text, relaxed: true) == expected)
    }

    static let escapes: [(String, String)] = [
        (#""\"""#, "\""),
        (#""\\""#, "\\"),
        (#""\/""#, "/"),
        (#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
        (#""\u0041\u00e9\u00E9""#, "Aéé"),
        (#""\u0000""#, "\u{0}"),
        (#""\u001f""#, "\u{1f}"),
        (#""\u2028""#, "\u{2028}"),
        (#""\uffff""#, "\u{ffff}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD834\uDD1E""#, "𝄞"),
        (#""a\ud83d\ude00b\n""#, "a😀b\n"),
        (#""x\u0041\\\"y""#, "xA\\\"y"),
    ]

    @Test(arguments: escapes)
    func escape(_ text: String, _ expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    /// Only relaxed mode takes these (coded-language fields).
    static let relaxedOnly: [(String, JSONValue)] = [
        ("{theme:'dark'}", object(["theme": "dark"])),
        ("{name:'MyApp',scope:'web,mobile'}", object(["name": "MyApp", "scope": "web,mobile"])),
        ("{ a : 1 , b_2 : [ 'x' ] , $c : null }", object(["a": 1, "b_2": ["x"], "$c": nil])),
        ("{'single key':\"double\"}", object(["single key": "double"])),
        ("['it\\'s', \"\\u0041\"]", ["it's", "A"]),
        ("[1,2,]", [1, 2]),
        ("{a:1,}", object(["a": 1])),
        ("{next:['task_124','task_125']}", object(["next": ["task_124", "task_125"]])),
        ("''", ""),
    ]

    @Test(arguments: relaxedOnly)
    func relaxedValue(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text, relaxed: true) == expected)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    /// Malformed texts and the exact failure: the reason and the 1-based byte where reading stopped.
    static let malformed: [(String, Mode, String)] = [
        ("", .strict, "expected a value, found the end at byte 1"),
        ("   ", .strict, "expected a value, found the end at byte 4"),
        ("nul", .strict, "expected 'null' at byte 4"),
        ("tru", .strict, "expected 'true' at byte 4"),
        ("True", .strict, "unexpected character 'T' at byte 1"),
        ("01", .strict, "malformed number at byte 1"),
        ("01", .relaxed, "malformed number at byte 1"),
        ("-01", .strict, "malformed number at byte 1"),
        ("1.", .strict, "malformed number at byte 1"),
        ("1.e5", .strict, "malformed number at byte 1"),
        ("1e", .strict, "malformed number at byte 1"),
        ("1e+", .strict, "malformed number at byte 1"),
        ("-", .strict, "malformed number at byte 1"),
        ("--1", .strict, "malformed number at byte 1"),
        ("[01]", .relaxed, "malformed number at byte 2"),
        ("1e400", .strict, "malformed number at byte 1"),
        (".5", .strict, "unexpected character '.' at byte 1"),
        ("+1", .strict, "unexpected character '+' at byte 1"),
        ("1 2", .strict, "unexpected text after the value at byte 3"),
        ("[1]]", .strict, "unexpected text after the value at byte 4"),
        ("[1,]", .strict, "unexpected character ']' at byte 4"),
        ("[1,,2]", .strict, "unexpected character ',' at byte 4"),
        ("[1,,2]", .relaxed, "unexpected character ',' at byte 4"),
        ("[,]", .relaxed, "unexpected character ',' at byte 2"),
        ("[1 2]", .strict, "expected ',' or ']' in array at byte 4"),
        ("[1", .strict, "unterminated array at byte 3"),
        (#"{"a":1,}"#, .strict, "expected a quoted key at byte 8"),
        (#"{"a"}"#, .strict, #"expected ':' after key "a" at byte 5"#),
        (#"{"a":}"#, .strict, "unexpected character '}' at byte 6"),
        (#"{"a":1 "b":2}"#, .strict, "expected ',' or '}' in object at byte 8"),
        (#"{"a":1"#, .strict, "unterminated object at byte 7"),
        ("{,}", .strict, "expected a quoted key at byte 2"),
        ("{,}", .relaxed, "expected a key at byte 2"),
        ("{a:1}", .strict, "expected a quoted key at byte 2"),
        ("{a 1}", .relaxed, #"expected ':' after key "a" at byte 4"#),
        ("{theme:dark}", .relaxed, "unexpected character 'd' at byte 8"),
        ("{a-b:1}", .relaxed, #"expected ':' after key "a" at byte 3"#),
        ("'x'", .strict, "unexpected character ''' at byte 1"),
        ("'x", .relaxed, "unterminated string at byte 3"),
        (#""abc"#, .strict, "unterminated string at byte 5"),
        (#""a\"#, .strict, "unterminated escape at byte 4"),
        (#""\x41""#, .strict, #"unknown escape '\x' at byte 4"#),
        (#""\'""#, .strict, #"unknown escape '\'' at byte 4"#),
        (#""\u12""#, .strict, #"truncated \u escape at byte 4"#),
        (#""\u12G4""#, .strict, #"bad hex digit in \u escape at byte 6"#),
        (#""\ud800""#, .strict, #"unpaired surrogate in \u escape at byte 8"#),
        (#""\ud800\u0041""#, .strict, #"unpaired surrogate in \u escape at byte 14"#),
        (#""\udc00""#, .strict, #"unpaired surrogate in \u escape at byte 8"#),
        ("\"tab\there\"", .strict, "control character in string at byte 5"),
        ("\"line\nbreak\"", .strict, "control character in string at byte 6"),
        ("\u{FEFF}1", .strict, #"unexpected character '\xef' at byte 1"#),
        ("\u{0}", .strict, #"unexpected character '\x0' at byte 1"#),
    ]

    enum Mode: Sendable { case strict, relaxed }

    @Test(arguments: malformed)
    func malformedText(_ text: String, _ mode: Mode, _ expected: String) {
        do {
            let value = try JSONParser.parse(text, relaxed: mode == .relaxed)
            Issue.record("parsed \(text.debugDescription) as \(value.jsonString)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func depthLimit() throws {
        func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        func objects(_ n: Int) -> String { String(repeating: "{\"a\":", count: n) + "1" + String(repeating: "}", count: n) }
        #expect(JSONParser.maxDepth == 64)
        var deepest: JSONValue = []
        for _ in 1..<64 { deepest = [deepest] }
        #expect(try JSONParser.parse(arrays(64)) == deepest)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(arrays(65)) }
        do {
            _ = try JSONParser.parse(arrays(65))
        } catch {
            #expect(error.description == "nested deeper than 64 levels at byte 65")
        }
        // 63 objects hold a number at depth 63; one more object puts it at depth 64.
        _ = try JSONParser.parse(objects(63))
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(objects(64)) }
        // Hostile input: far too deep is refused quickly, not a stack overflow.
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(arrays(1_000_000), relaxed: true) }
    }

    // MARK: - Differential test against Foundation

    /// Documents both parsers must agree on: same value, or both refuse.
    /// (Left out: where Foundation is laxer than RFC 8259 — it accepts a trailing comma and a leading BOM.)
    static let documents: [String] = [
        "null", "true", "false", "0", "-0", "1", "-1", "123456789", "3.14159", "-2.5e-3", "1E10", "1e-7", "0.000001",
        "1.7976931348623157e308", "5e-324", "9007199254740992",
        #""""#, #""hello""#, #""\u00e9\u4e2d\ud83d\ude00""#, #""\n\t\\\"\/""#, #""\u0000x""#, "\"é ☕ 𝄞\"",
        "[]", "{}", "[[]]", "[1,[2,[3,[4]]]]", #"{"a":{"b":{"c":{}}}}"#,
        #"{"cmd":"task.create","title":"User Authentication System","intent":"business_growth","complexity":"high"}"#,
        #"{"userResponse":"I'll update that auth task for you","handoff":{"action":"update_task","taskId":"auth_impl_001","keywords":["authentication","security","jwt"],"confidence":0.87}}"#,
        #"[true,false,null,1,"x",{"k":[{}]}]"#,
        " \t\n\r[ 1 ,\n 2 ] \n",
        #"{"z":1,"a":2,"m":[3,4]}"#,
        // refused by both
        "", " ", "nul", "tru", "01", "-01", "1.", ".5", "+1", "1e", "1e+", "-", "--1", "0x10", "NaN", "Infinity", "1e400",
        "[1 2]", "[1,,2]", "[,1]", "[1", "]", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a" 1}"#, #"{a:1}"#, "{'a':1}",
        "'x'", #""abc"#, #""\x41""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#,
        "\"a\u{1}b\"", "\"a\tb\"", "1 2", "[1]]", "{}{}", "[1]x",
    ]

    /// Foundation rounds these to another integer; they are refused here, never rounded.
    @Test(arguments: ["9007199254740993", "-9007199254740993", "123456789012345678901234567890", "[1,18446744073709551615]"])
    func anIntegerBeyondTwoToThe53IsRefused(_ text: String) throws {
        #expect(throws: (any Error).self) { try JSONParser.parse(text) }
        #expect(throws: (any Error).self) { try JSONParser.parse(text, relaxed: true) }
    }

    @Test(arguments: documents)
    func agreesWithFoundation(_ text: String) throws {
        let ours = try? JSONParser.parse(text)
        let theirs = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])).map(Self.jsonValue)
        #expect((ours == nil) == (theirs == nil), "ours: \(ours?.jsonString ?? "refused"), Foundation: \(theirs?.jsonString ?? "refused")")
        if let ours, let theirs {
            #expect(Self.sortedKeys(ours) == Self.sortedKeys(theirs))
        }
    }

    /// Foundation's objects as a ``JSONValue`` (numbers as doubles; `objCType` "c" marks a boolean).
    static func jsonValue(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
            return .number(n.doubleValue)
        case let a as [Any]: return .array(a.map(jsonValue))
        case let d as [String: Any]: return .object(d.map { JSONMember($0.key, jsonValue($0.value)) })
        default: return .string("unexpected \(type(of: any))")
        }
    }

    /// Object members sorted by key, at every level (Foundation's dictionaries have no order).
    static func sortedKeys(_ v: JSONValue) -> JSONValue {
        switch v {
        case .array(let a): return .array(a.map(sortedKeys))
        case .object(let m): return .object(m.map { JSONMember($0.key, sortedKeys($0.value)) }.sorted { $0.key < $1.key })
        default: return v
        }
    }

    // MARK: - Serialization

    static let serialized: [(JSONValue, String)] = [
        (nil, "null"),
        (true, "true"),
        (false, "false"),
        (1, "1"),
        (1.0, "1"),
        (-0.0, "0"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (1e21, "1e+21"),
        (.number(.nan), "null"),
        (.number(.infinity), "null"),
        ("", #""""#),
        ("a\"b\\c/d", #""a\"b\\c/d""#),
        ("\n\r\t\u{0}\u{1f}\u{7f}", #""\n\r\t\u0000\u001f"# + "\u{7f}\""),
        ("é😀", "\"é😀\""),
        ([], "[]"),
        (.object([]), "{}"),
        ([1, "x", nil, [true]], #"[1,"x",null,[true]]"#),
        (object(["b": 1, "a": object(["c": []])]), #"{"b":1,"a":{"c":[]}}"#),
        (.object(["skip": nil, "keep": 1]), #"{"keep":1}"#),
    ]

    @Test(arguments: serialized)
    func serialization(_ value: JSONValue, _ expected: String) {
        #expect(value.jsonString == expected)
    }

    /// parse(jsonString(v)) == v for values with finite numbers; and compact text survives parse + print unchanged.
    @Test func roundTrip() throws {
        let values: [JSONValue] =
            Self.strict.map(\.1) + Self.escapes.map { .string($0.1) } + Self.relaxedOnly.map(\.1) + [
                [0.1, 0.2, 1e-7, 123.456, -1e300, 5e-324, 9_007_199_254_740_993],
                object(["emoji": "😀", "ctl": "\u{0}\u{1}\u{1f}", "nested": [object(["x": [[[]]]])]]),
            ]
        for value in values {
            let text = value.jsonString
            #expect(try JSONParser.parse(text) == value, "\(text)")
            #expect(try JSONParser.parse(text).jsonString == text)
        }
        for text in Self.documents {
            guard let value = try? JSONParser.parse(text) else { continue }
            #expect(try JSONParser.parse(value.jsonString) == value, "\(text)")
        }
    }

    /// Our output is JSON that Foundation reads back to the same value.
    @Test func outputReadByFoundation() throws {
        let value = object([
            "s": "quote \" backslash \\ newline \n nul \u{0} emoji 😀", "n": [0, -1, 0.5, 1e-7, 1e300],
            "b": [true, false], "null": nil, "o": object(["k": []]),
        ])
        let back = try JSONSerialization.jsonObject(with: Data(value.jsonString.utf8))
        #expect(Self.sortedKeys(Self.jsonValue(back)) == Self.sortedKeys(value))
    }
}
