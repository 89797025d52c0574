import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

/// What a review of hostile input found accepted, refused or worded wrongly, each fixed.
@Suite struct HostileInputTests {
    static func acks(_ input: [UInt8]) throws -> [String] {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let result = try ChronicleBinary.run(["append", "--db", db], input: Data(input), environment: fixedClock)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func acks(_ text: String) throws -> [String] { try acks(Array(text.utf8)) }

    @Test(arguments: ["[id=e1 id=e2] ms:k|v|semantic", "[valid=2025-06-01T10:00:00Z valid=2025-06-02T10:00:00Z] ms:k|v|semantic"])
    func aRepeatedEnvelopeKeyIsRefused(line: String) throws {
        let acks = try Self.acks(line + "\nms:k|after|semantic\n")
        #expect(acks.count == 2)
        #expect(acks[0].hasPrefix("er:parse|line 1: the envelope gives '"))
        #expect(acks[0].contains("twice"))
        #expect(acks[1] == "su:memory/k|stored|1")
    }

    /// Integers beyond ±2^53 would be stored as other numbers: refused, never rounded.
    @Test(arguments: ["9007199254740993", "-9007199254740993", "18446744073709551615", "12345678901234567890123"])
    func anIntegerBeyondTwoToThe53IsRefused(literal: String) throws {
        let acks = try Self.acks(
            "ms:k|[\(literal)]|semantic\n" + #"{"cmd":"memory.store","key":"j","value":\#(literal)}"# + "\n")
        #expect(acks.count == 2)
        for ack in acks {
            #expect(ack.hasPrefix("er:parse|"))
            #expect(ack.contains("the integer \(literal) is beyond ±2^53"))
        }
    }

    @Test func integersUpToTwoToThe53AreKeptExactly() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        _ = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:k|[9007199254740992,-9007199254740992,1.5e300]|semantic\n", environment: fixedClock)
        let shown = try ChronicleBinary.run(["query", "memory", "k", "--db", db, "--format", "json"]).stdout
        #expect(shown.contains("[9007199254740992,-9007199254740992,1.5e+300]"), "\(shown)")
    }

    /// A comment gets no ack whatever its bytes: a client counting acks counts commands.
    @Test func aCommentWithABadByteOrANULGetsNoAck() throws {
        let input = Array("# a bad ".utf8) + [0xFF] + Array(" byte\n  # a NUL ".utf8) + [0] + Array("\nms:k|v|semantic\n".utf8)
        #expect(try Self.acks(input) == ["su:memory/k|stored|1"])
    }

    /// A UTF-8 byte order mark at the start of the input is skipped.
    @Test func aByteOrderMarkAtTheStartIsSkipped() throws {
        #expect(try Self.acks([0xEF, 0xBB, 0xBF] + Array("ms:k|v|semantic\n".utf8)) == ["su:memory/k|stored|1"])
    }

    @Test(arguments: [
        ("tc:Title||high", "intent is empty|give an intent"),
        (#"{"cmd":"task.create","title":"T","intent":"x","complexity":"hgih"}"#, "'hgih' is not a complexity|use low, medium or high"),
        (#"{"cmd":"task.status","id":"t","status":"in_progres"}"#, "'in_progres' is not a task status|use one of pending"),
        (#"{"cmd":"workflow.step","id":"w","step":"s","status":"done!"}"#, "'done!' is not a step status|use one of started"),
    ])
    func aMisspelledValueIsNamed(line: String, message: String) throws {
        let acks = try Self.acks(line + "\n")
        #expect(acks.count == 1)
        #expect(acks[0].contains(message), "\(acks[0])")
    }
}

extension HostileInputTests {
    @Test(arguments: [
        (#"{"cmd":"task.update","id":"t","set":"x"}"#, #"task.update's "set" must be an object"#),
        (#"{"cmd":"memory.store","key":"k","value":1,"id":"c1","command_id":"c2"}"#, #"gives both "id" and "command_id""#),
        (#"[id=c1] {"cmd":"memory.forget","key":"k"}"#, "an envelope goes before a coded command, not a JSON one"),
    ])
    func aMalformedFieldIsNamedAsWhatItIs(line: String, message: String) throws {
        let acks = try Self.acks(line + "\n")
        #expect(acks.count == 1)
        #expect(acks[0].hasPrefix("er:parse|"))
        #expect(acks[0].contains(message), "\(acks[0])")
    }
}

extension HostileInputTests {
    /// A child of `task.split` is the split task's child: a parent of its own is refused, not replaced.
    @Test func aSplitChildWithAnotherParentIsRefused() throws {
        let acks = try Self.acks(
            """
            {"cmd":"task.create","id":"a","title":"A","intent":"x","complexity":"low"}
            {"cmd":"task.create","id":"b","title":"B","intent":"x","complexity":"low"}
            {"cmd":"task.split","id":"a","into":[{"title":"C","intent":"x","complexity":"low","parent":"b"}]}
            {"cmd":"task.split","id":"a","into":[{"title":"C","intent":"x","complexity":"low","parent":"a"}]}

            """)
        #expect(acks.count == 4)
        #expect(acks[2].hasPrefix("er:parse|line 3: a child of task.split has the parent 'b'; its parent is the task split, 'a'|"))
        #expect(acks[3] == "su:a|splitting|0")
    }

    /// A step not among those the instance started with is added (documented): an instance
    /// started without steps names them as it goes.
    @Test func aStepNotDeclaredIsAddedToTheInstance() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let input = """
            {"cmd":"workflow.start","workflow":"release","steps":["build"]}
            {"cmd":"workflow.step","id":"release_001","step":"deploy","status":"completed"}

            """
        let acks = try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).stdout
        #expect(acks == "su:release_001|running|0\nsu:release_001|running|0.5\n")
        let shown = try ChronicleBinary.run(["query", "workflow", "release_001", "--db", db, "--format", "json"]).stdout
        #expect(shown.contains(#""name":"deploy""#), "\(shown)")
    }
}
