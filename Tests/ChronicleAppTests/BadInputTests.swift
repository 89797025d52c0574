import ChronicleCore
import ChronicleStore
import ChronicleTesting
import Foundation
import Testing

/// One malformed or hostile input line and the code of its `er:` ack.
struct BadLine: Sendable, CustomTestStringConvertible {
    var name: String
    /// The line's bytes, without the newline. `$PREV` stands for the seq of the last event appended before it.
    var bytes: [UInt8]
    var code: String
    /// Valid lines placed just before the bad one (each appends exactly one event); `$PREV` as above.
    var setup: [String]

    init(_ name: String, _ line: String, _ code: String, setup: [String] = []) {
        self.init(name, bytes: Array(line.utf8), code, setup: setup)
    }

    init(_ name: String, bytes: [UInt8], _ code: String, setup: [String] = []) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.setup = setup
    }

    var testDescription: String { "\(name) → er:\(code)" }
}

/// Bad lines run through the real `chronicle append`, each between valid lines that must be unaffected.
@Suite struct BadInputTests {
    static let environment = ["CHRONICLE_CLOCK": "fixed:2025-06-01T10:00:00Z"]
    static let mebibyte = 1 << 20

    static func bytes(_ prefix: String, _ middle: [UInt8], _ suffix: String) -> [UInt8] {
        Array(prefix.utf8) + middle + Array(suffix.utf8)
    }

    /// A valid line of exactly `count` bytes: `ms:big_line|aaa…|semantic`.
    static func memoryLine(key: String, totalBytes count: Int) -> String {
        let frame = "ms:\(key)||semantic"
        return "ms:\(key)|" + String(repeating: "a", count: count - frame.utf8.count) + "|semantic"
    }

    /// In input order: lines that need state come after the setup that makes it.
    static let cases: [BadLine] = [
        // Must come first: no task has been created yet on this input.
        BadLine("ts:auto with no task created earlier", "ts:auto|0.3|Complex multi-component system", "not_found"),

        // Encoding, NUL bytes, size.
        BadLine("invalid UTF-8 byte 0xFF", bytes: bytes("ms:utf8_a|", [0xFF, 0xFE], "|semantic"), "parse"),
        BadLine("truncated UTF-8 sequence", bytes: bytes("ms:utf8_b|caf", [0xC3], "|semantic"), "parse"),
        BadLine("overlong UTF-8 encoding of '/'", bytes: bytes("ms:utf8_c|", [0xC0, 0xAF], "|semantic"), "parse"),
        BadLine("UTF-8-encoded surrogate", bytes: bytes("ms:utf8_d|", [0xED, 0xA0, 0x80], "|semantic"), "parse"),
        BadLine("Latin-1 text", bytes: bytes("ms:utf8_e|caf", [0xE9], "|semantic"), "parse"),
        BadLine("invalid UTF-8 in a JSON line", bytes: bytes(#"{"cmd":"memory.store","key":"utf8_f","value":""#, [0xFF], #""}"#), "parse"),
        BadLine("NUL byte inside a value", bytes: bytes("ms:nul_a|a", [0], "b|semantic"), "parse"),
        BadLine("NUL byte alone", bytes: [0], "parse"),
        BadLine("NUL byte inside a JSON string", bytes: bytes(#"{"cmd":"memory.store","key":"nul_b","value":"a"#, [0], #""}"#), "parse"),
        BadLine("10 MB line", bytes: bytes("ms:huge|", [UInt8](repeating: 0x61, count: 10_000_000), "|semantic"), "too_large"),
        BadLine(
            "one byte over the 1 MiB limit", memoryLine(key: "big_over", totalBytes: mebibyte + 1), "too_large",
            setup: [memoryLine(key: "big_exact", totalBytes: mebibyte)]),

        // Absurd times.
        BadLine("year 99999", "[valid=99999-01-01T00:00:00Z] ms:time_a|v|semantic", "invalid_time"),
        BadLine("month 13", "[valid=2025-13-01T00:00:00Z] ms:time_b|v|semantic", "invalid_time"),
        BadLine("February 30", "[valid=2025-02-30T10:00:00Z] ms:time_c|v|semantic", "invalid_time"),
        BadLine("year 0", "[valid=0000-01-01T00:00:00Z] ms:time_d|v|semantic", "invalid_time"),
        BadLine("offset +24:00", "[valid=2025-06-01T10:00:00+24:00] ms:time_e|v|semantic", "invalid_time"),
        BadLine("a word for a time", "[valid=tomorrow] ms:time_f|v|semantic", "invalid_time"),
        BadLine("hour 25 in JSON", #"{"cmd":"memory.store","key":"time_g","value":1,"valid_at":"2025-06-01T25:00:00Z"}"#, "invalid_time"),
        BadLine("valid_at as a number", #"{"cmd":"memory.store","key":"time_h","value":1,"valid_at":1748772000}"#, "parse"),

        // Ids that are not safe as file names or Redis keys.
        BadLine("key with ../", "ms:../etc/passwd|v|semantic", "invalid_id"),
        BadLine("key with ':'", "ms:tasks:evil|v|semantic", "invalid_id"),
        BadLine("key with '/'", "ms:a/b|v|semantic", "invalid_id"),
        BadLine("key with a space", "ms:my key|v|semantic", "invalid_id"),
        BadLine("key with BEL", "ms:bell\u{7}|v|semantic", "invalid_id"),
        BadLine("key with an ANSI escape", "ms:esc\u{1b}[31m|v|semantic", "invalid_id"),
        BadLine("key of DEL", "ms:\u{7f}|v|semantic", "invalid_id"),
        BadLine("key of 129 characters", "ms:" + String(repeating: "k", count: 129) + "|v|semantic", "invalid_id"),
        BadLine("key starting with '.'", "ms:.env|v|semantic", "invalid_id"),
        BadLine("intent with a space", "tc:Title|business growth|high", "invalid_id"),
        BadLine(
            "JSON task id with ../", #"{"cmd":"task.create","id":"../../x","title":"T","intent":"i","complexity":"low"}"#, "invalid_id"),
        BadLine(
            "JSON task id with ':'", #"{"cmd":"task.create","id":"tasks:x","title":"T","intent":"i","complexity":"low"}"#, "invalid_id"),
        BadLine(
            "context cascade leaving the directory",
            #"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","context_cascade":"../../outside.yaml"}"#, "invalid_id"),
        BadLine(
            "absolute context cascade",
            #"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","context_cascade":"/etc/passwd"}"#, "invalid_id"),
        BadLine("command id with ../", "[id=../c] ms:id_a|v|semantic", "invalid_id"),
        BadLine("workflow name with ../", "wf:../wf|{}", "invalid_id"),
        BadLine("su: stream id with ../", "su:task/../x|done|1", "invalid_id"),
        BadLine("cl: path with ../", "cl:../secrets|full", "invalid_id"),

        // Unknown commands.
        BadLine("unknown coded command", "xx:foo|bar", "unknown_command"),
        BadLine("upper-case code", "TC:Title|intent|high", "unknown_command"),
        BadLine("an error ack sent back", "er:parse|line 1: x|y", "unknown_command"),
        BadLine("unknown JSON command", #"{"cmd":"task.destroy","id":"x"}"#, "unknown_command"),
        BadLine("unknown handoff action", #"{"handoff":{"action":"delete_task","taskId":"x"}}"#, "unknown_command"),

        // Wrong field counts and shapes.
        BadLine("tc: with one field", "tc:Only a title", "parse"),
        BadLine("tc: with four fields", "tc:a|b|high|extra", "parse"),
        BadLine("ms: with two fields", "ms:k|v", "parse"),
        BadLine("su: with one field", "su:t", "parse"),
        BadLine("prose", "hello world", "parse"),
        BadLine("envelope without a command", "[id=c-x]", "parse"),
        BadLine("unclosed envelope", "[id=c-x ms:k|v|semantic", "parse"),
        BadLine("negative expected revision", "[rev=-1] ms:rev_neg|v|semantic", "parse"),
        BadLine("unknown envelope key", "[by=me] ms:env_k|v|semantic", "parse"),
        BadLine("unknown complexity", "tc:Title|intent|gigantic", "parse"),

        // Malformed relaxed JSON in coded fields.
        BadLine("bare word in relaxed JSON", "ms:rj_a|{theme:dark}|semantic", "parse"),
        BadLine("unclosed relaxed object", "ms:rj_b|{theme:'dark'|semantic", "parse"),
        BadLine("double comma in relaxed JSON", "wf:planning|{name:'MyApp',,}", "parse"),
        BadLine("workflow params not an object", "wf:planning|['not','an','object']", "parse"),
        BadLine(
            "nesting 10000 deep", "ms:rj_c|" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "|semantic",
            "parse"),

        // Malformed JSON lines.
        BadLine("truncated JSON", #"{"cmd":"memory.store""#, "parse"),
        BadLine("trailing comma in JSON", #"{"cmd":"memory.store","key":"j_a","value":1,}"#, "parse"),
        BadLine("single-quoted JSON", "{'cmd':'memory.forget','key':'filler_1'}", "parse"),
        BadLine("leading zero in JSON", #"{"cmd":"memory.store","key":"j_b","value":01}"#, "parse"),
        BadLine("lone surrogate in JSON", #"{"cmd":"memory.store","key":"j_c","value":"\ud800"}"#, "parse"),
        BadLine("text after the JSON object", #"{"cmd":"memory.forget","key":"filler_1"} please"#, "parse"),
        BadLine("a JSON array", "[1,2,3]", "parse"),
        BadLine("an empty JSON object", "{}", "parse"),

        // Unknown JSON fields.
        BadLine("unknown field", #"{"cmd":"memory.store","key":"j_d","value":1,"colour":"red"}"#, "parse"),
        BadLine("unknown field under set", #"{"cmd":"task.update","id":"x","set":{"titel":"y"}}"#, "parse"),
        BadLine("unknown field in a handoff", #"{"handoff":{"action":"update_task","taskId":"x","intent":"y","mood":"happy"}}"#, "parse"),

        // Unknown targets.
        BadLine("su: of an unknown task", "su:no_such_task|done|1", "not_found"),
        BadLine("task.status of an unknown task", #"{"cmd":"task.status","id":"ghost_001","status":"in_progress"}"#, "not_found"),
        BadLine(
            "workflow.step of an unknown instance", #"{"cmd":"workflow.step","id":"ghost_wf","step":"s","status":"started"}"#, "not_found"),
        BadLine("cl: of an unknown context", "cl:nothing_here|summary", "not_found"),
        BadLine("memory.forget of a key never stored", #"{"cmd":"memory.forget","key":"never_stored"}"#, "not_found"),
        BadLine("event.retract of a position past the end", #"{"cmd":"event.retract","seq":999999,"reason":"x"}"#, "not_found"),
        BadLine(
            "task.create under an unknown parent",
            #"{"cmd":"task.create","title":"Orphan","intent":"i","complexity":"low","parent":"ghost_001"}"#, "not_found"),
        BadLine(
            "su: before the task's valid time", "[valid=2029-01-01T00:00:00Z] su:future_task_001|in_progress|0.1", "not_found",
            setup: ["[valid=2030-01-01T00:00:00Z] tc:Future task|planning|low"]),

        // Expected revisions.
        BadLine("[rev=5] on a stream at revision 1", "[rev=5] ms:rev_key|two|semantic", "conflict", setup: ["ms:rev_key|one|semantic"]),
        BadLine(
            "task.create of an existing id",
            #"{"cmd":"task.create","id":"fixture_task","title":"Again","intent":"testing","complexity":"low"}"#, "conflict",
            setup: [#"{"cmd":"task.create","id":"fixture_task","title":"Fixture","intent":"testing","complexity":"low"}"#]),
        BadLine(
            "expected_rev 7 on a stream at revision 1",
            #"{"cmd":"task.status","id":"fixture_task","status":"in_progress","expected_rev":7}"#, "conflict"),

        // Impossible transitions.
        BadLine("pending → completed", #"{"cmd":"task.complete","id":"fixture_task"}"#, "invalid_transition"),
        BadLine(
            "completed → in_progress", "su:finished_job_001|in_progress|0.5", "invalid_transition",
            setup: ["tc:Finished job|testing|low", "su:finished_job_001|in_progress|0.5", "su:finished_job_001|done|1"]),
        BadLine(
            "cancelled → in_progress", "su:fixture_task|in_progress|0.1", "invalid_transition",
            setup: [#"{"cmd":"task.cancel","id":"fixture_task","reason":"test"}"#]),
        BadLine("cancelled → cancelled", #"{"cmd":"task.cancel","id":"fixture_task","reason":"again"}"#, "invalid_transition"),
        BadLine(
            "step of a completed workflow", #"{"cmd":"workflow.step","id":"release_1","step":"s","status":"started"}"#,
            "invalid_transition",
            setup: [#"{"cmd":"workflow.start","workflow":"release","id":"release_1"}"#, #"{"cmd":"workflow.complete","id":"release_1"}"#]),
        BadLine(
            "retraction of a retraction", #"{"cmd":"event.retract","seq":$PREV,"reason":"again"}"#, "invalid_transition",
            setup: ["ms:to_retract|x|semantic", #"{"cmd":"event.retract","seq":$PREV,"reason":"wrong"}"#]),

        // Out-of-range numbers.
        BadLine("progress 1.5", "su:progress_task_001|in_progress|1.5", "parse", setup: ["tc:Progress task|testing|low"]),
        BadLine("progress -0.5", "su:progress_task_001|in_progress|-0.5", "parse"),
        BadLine("progress NaN", "su:progress_task_001|in_progress|NaN", "parse"),
        BadLine("progress as a word", "su:progress_task_001|in_progress|half", "parse"),
        BadLine("confidence 2", "ts:progress_task_001|2|too sure", "parse"),
        BadLine("JSON progress 1.5", #"{"cmd":"task.status","id":"progress_task_001","status":"in_progress","progress":1.5}"#, "parse"),
        BadLine("unknown status word", "su:progress_task_001|exploded|0.5", "parse"),
    ]

    /// Where each line of the generated input went, and what the log must hold afterwards.
    struct Layout: Sendable {
        var input = Data()
        var lineCount = 0
        /// Case name → its line number.
        var badLines: [String: Int] = [:]
        /// Line numbers of the valid lines, with the exact ack a filler line must get (nil: any success).
        var validLines: [(line: Int, ack: String?)] = []
        /// Line number → the filler line right after a bad line.
        var fillerAfter: [String: Int] = [:]
        var fillerKeys: [String: String] = [:]
        var events = 0

        mutating func add(_ bytes: [UInt8]) -> Int {
            input.append(contentsOf: bytes)
            input.append(10)
            lineCount += 1
            return lineCount
        }

        mutating func addValid(_ text: String) {
            let line = add(Array(text.replacingOccurrences(of: "$PREV", with: String(events)).utf8))
            events += 1
            validLines.append((line, nil))
        }

        mutating func addFiller() -> Int {
            let k = fillerKeys.count
            let line = add(Array("ms:filler_\(k)|value \(k)|semantic".utf8))
            events += 1
            fillerKeys["filler_\(k)"] = "value \(k)"
            validLines.append((line, "su:memory/filler_\(k)|stored|1"))
            return line
        }
    }

    static func layout() -> Layout {
        var l = Layout()
        _ = l.add(Array("# bad input, each line between valid ones".utf8))
        _ = l.add([])
        _ = l.addFiller()
        for c in cases {
            for s in c.setup { l.addValid(s) }
            let bytes =
                String(decoding: c.bytes, as: UTF8.self).contains("$PREV")
                ? Array(String(decoding: c.bytes, as: UTF8.self).replacingOccurrences(of: "$PREV", with: String(l.events)).utf8)
                : c.bytes
            l.badLines[c.name] = l.add(bytes)
            l.fillerAfter[c.name] = l.addFiller()
        }
        return l
    }

    struct Outcome: Sendable {
        var layout: Layout
        var status: Int32
        var stderr: String
        /// Line number → its ack.
        var acks: [Int: String]
        var ackCount: Int
        var events: [RecordedEvent]
        var db: String
    }

    /// The table run once through `chronicle append`, shared by every case.
    static let outcome: Result<Outcome, any Error> = Result {
        let plan = BadInputTests.layout()
        let db = try TestLog.temporaryDirectory().appendingPathComponent("bad-input.db").path
        let run = try ChronicleBinary.run(["append", "--db", db], input: plan.input, environment: BadInputTests.environment)
        let ackLines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        // Every line but the comment and the empty line (lines 1 and 2) gets one ack, in input order.
        var acks: [Int: String] = [:]
        for (i, ack) in ackLines.enumerated() { acks[i + 3] = ack }
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        return Outcome(layout: plan, status: run.status, stderr: run.stderr, acks: acks, ackCount: ackLines.count, events: events, db: db)
    }

    @Test(arguments: cases)
    func badLine(_ c: BadLine) throws {
        let o = try Self.outcome.get()
        let line = try #require(o.layout.badLines[c.name])
        let ack = try #require(o.acks[line], "no ack for line \(line)")
        #expect(ack.hasPrefix("er:\(c.code)|line \(line): "), "\(ack.prefix(300))")
        // The error ack is one line of three fields, whatever the input held.
        #expect(try CodedLanguage.splitFields(ack.dropFirst(3)).count == 3, "\(ack.prefix(300))")
        #expect(ack.utf8.count < 1_000)
        // The valid line right after it is unaffected.
        let filler = try #require(o.layout.fillerAfter[c.name])
        let expected = o.layout.validLines.first { $0.line == filler }?.ack
        #expect(o.acks[filler] == expected)
    }

    @Test func everyValidLineIsAckedAndInTheLog() throws {
        let o = try Self.outcome.get()
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.ackCount == o.layout.lineCount - 2)
        for (line, expected) in o.layout.validLines {
            let ack = try #require(o.acks[line])
            if let expected {
                #expect(ack == expected, "line \(line)")
            } else {
                #expect(!ack.hasPrefix("er:"), "line \(line): \(ack.prefix(300))")
            }
        }
        #expect(o.layout.badLines.count == Self.cases.count, "case names must be unique")
        #expect(Self.cases.count >= 40)

        // Exactly one event per valid line: a refused line appends nothing.
        #expect(o.events.count == o.layout.events)
        #expect(o.events.map(\.seq) == Array(1...Int64(o.layout.events)))
        var stored: [String: JSONValue] = [:]
        for e in o.events where e.stream.kind == .memory {
            if case .memoryStored(let value, _, _, _) = e.event { stored[e.stream.id] = value }
        }
        for (key, value) in o.layout.fillerKeys {
            #expect(stored[key] == .string(value), "\(key)")
        }
        #expect(stored["big_exact"] == .string(String(repeating: "a", count: Self.mebibyte - "ms:big_exact||semantic".utf8.count)))
        for refused in ["utf8_a", "utf8_f", "nul_a", "huge", "big_over", "time_a", "time_g", "rev_neg", "rj_a", "j_a", "j_b", "j_c", "j_d"]
        {
            #expect(stored[refused] == nil, "\(refused) was appended")
        }
        #expect(!o.events.contains { $0.stream.id.contains("..") })
    }

    /// A second process sees the log the first one wrote.
    @Test func secondAppendReadsTheLog() throws {
        let o = try Self.outcome.get()
        let run = try ChronicleBinary.run(
            ["append", "--db", o.db], input: "cl:filler_3|summary\ncl:fixture_task|summary\ncl:utf8_a\n", environment: Self.environment)
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                cl:filler_3|memory filler_3 = value 3 (semantic, version 1)
                cl:fixture_task|task Fixture: cancelled, progress 0, intent testing, complexity low, confidence 0.9, routing one_shot
                er:not_found|line 3: context 'utf8_a' does not exist|load a task, workflow or memory key that exists, or a context path a task names

                """)
        #expect(try EventLog(path: o.db, logger: TestLog.silentLogger).events().count == o.layout.events)
    }

    // MARK: - Exactly-once command ids

    @Test func duplicateCommandIDReturnsTheOriginalAck() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("dup.db").path
        let conflict =
            "command id 'c-1' was already used for a different command|use a new id for a new command; repeat an id only to retry the same command"
        let first = try ChronicleBinary.run(
            ["append", "--db", db],
            input: """
                [id=c-1] ms:dup_key|first|semantic
                [id=c-1] ms:dup_key|first|semantic
                [id=c-1] ms:dup_key|second|semantic
                [id=c-1] tc:Something else|other|low
                [id=c-2] ms:dup_key|third|semantic

                """, environment: Self.environment)
        #expect(first.status == 0)
        #expect(
            first.stdout == """
                su:memory/dup_key|stored|1
                su:memory/dup_key|stored|1
                er:conflict|line 3: \(conflict)
                er:conflict|line 4: \(conflict)
                su:memory/dup_key|stored|2

                """)
        // Across processes too: a retry gets the original ack, a different command under the id is refused.
        let second = try ChronicleBinary.run(
            ["append", "--db", db], input: "[id=c-2] ms:dup_key|third|semantic\n[id=c-1] ms:other|x|semantic\n",
            environment: Self.environment)
        #expect(second.stdout == "su:memory/dup_key|stored|2\ner:conflict|line 2: \(conflict)\n")
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        #expect(events.map(\.commandID) == ["c-1", "c-2"])
        #expect(
            events.map(\.event) == [
                .memoryStored(value: "first", type: "semantic", category: nil, significance: nil),
                .memoryStored(value: "third", type: "semantic", category: nil, significance: nil),
            ])
    }

    // MARK: - --strict and --format json

    static let strictInput = "ms:s1|a|semantic\nms:s2|b|semantic\nxx:bad\nms:s3|c|semantic\n"

    @Test func strictStopsAtTheFirstError() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("strict.db").path
        let run = try ChronicleBinary.run(["append", "--db", db, "--strict"], input: Self.strictInput, environment: Self.environment)
        #expect(run.status == 1)
        #expect(
            run.stdout == """
                su:memory/s1|stored|1
                su:memory/s2|stored|1
                er:unknown_command|line 3: unknown coded command 'xx:'|use tc:, ts:, wf:, ms:, cl:, su: or tr:, or a JSON object

                """)
        #expect(run.stderr.contains("stopped at the error on line 3"), "\(run.stderr)")
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        #expect(events.map(\.stream.description) == ["memory/s1", "memory/s2"])
    }

    @Test func strictStopsAtAnErrorFoundWhenDeciding() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("strict2.db").path
        let input =
            Data("ms:s1|a|semantic\n".utf8) + Data([0x6D, 0x73, 0x3A, 0x78, 0x7C, 0xFF, 0x7C, 0x73, 0x0A])
            + Data("ts:auto|0.3|x\nms:s3|c|semantic\n".utf8)
        let run = try ChronicleBinary.run(["append", "--db", db, "--strict"], input: input, environment: Self.environment)
        #expect(run.status == 1)
        #expect(run.stdout.split(separator: "\n").map { $0.prefix(24) } == ["su:memory/s1|stored|1", "er:parse|line 2: invalid"])
        #expect(try EventLog(path: db, logger: TestLog.silentLogger).events().count == 1)

        let db2 = try TestLog.temporaryDirectory().appendingPathComponent("strict3.db").path
        let run2 = try ChronicleBinary.run(
            ["append", "--db", db2, "--strict"], input: "ms:s1|a|semantic\nts:auto|0.3|x\nms:s3|c|semantic\n", environment: Self.environment
        )
        #expect(run2.status == 1)
        #expect(
            run2.stdout
                == "su:memory/s1|stored|1\ner:not_found|line 2: ts:auto names no task: none was created earlier on this input|create a task with tc: first or name the task id\n"
        )
        #expect(try EventLog(path: db2, logger: TestLog.silentLogger).events().count == 1)
    }

    @Test func withoutStrictTheRestIsAppended() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("lenient.db").path
        let run = try ChronicleBinary.run(["append", "--db", db], input: Self.strictInput, environment: Self.environment)
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 4)
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        #expect(events.map(\.stream.description) == ["memory/s1", "memory/s2", "memory/s3"])
    }

    @Test func strictWithoutErrorsExitsZero() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("strict-ok.db").path
        let run = try ChronicleBinary.run(
            ["append", "--db", db, "--strict"], input: "ms:s1|a|semantic\n# note\n\nms:s2|b|semantic\n", environment: Self.environment)
        #expect(run.status == 0)
        #expect(run.stdout == "su:memory/s1|stored|1\nsu:memory/s2|stored|1\n")
    }

    /// CRLF endings and a last line without a newline are read like any other line.
    @Test func crlfAndMissingFinalNewline() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("crlf.db").path
        let run = try ChronicleBinary.run(
            ["append", "--db", db], input: "ms:c1|a|semantic\r\n# note\r\n\r\nxx:bad\r\nms:c2|b|semantic", environment: Self.environment)
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                su:memory/c1|stored|1
                er:unknown_command|line 4: unknown coded command 'xx:'|use tc:, ts:, wf:, ms:, cl:, su: or tr:, or a JSON object
                su:memory/c2|stored|1

                """)
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        #expect(
            events.map(\.event) == [
                .memoryStored(value: "a", type: "semantic", category: nil, significance: nil),
                .memoryStored(value: "b", type: "semantic", category: nil, significance: nil),
            ])
    }

    @Test func jsonAcks() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("json.db").path
        let input =
            "ms:j1|{theme:'dark'}|semantic\n# comment\nxx:bad\ntc:User Authentication System|business_growth|high\n[rev=3] ms:j1|x|semantic\n"
        let run = try ChronicleBinary.run(["append", "--db", db, "--format", "json"], input: input, environment: Self.environment)
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                #"{"ack":"su","line":1,"entity_id":"memory/j1","status":"stored","version":1}"#,
                #"{"ack":"er","line":3,"code":"unknown_command","message":"line 3: unknown coded command 'xx:'","recovery":"use tc:, ts:, wf:, ms:, cl:, su: or tr:, or a JSON object"}"#,
                #"{"ack":"tr","line":4,"task_id":"user_authentication_system_001","confidence":0.6,"routing":"guided"}"#,
                #"{"ack":"er","line":5,"code":"conflict","message":"line 5: memory/j1 is at revision 1, not 3","recovery":"read memory/j1 again and retry with rev=1"}"#,
            ])
        for line in lines { #expect(throws: Never.self) { try JSONParser.parse(line) } }
        let events = try EventLog(path: db, logger: TestLog.silentLogger).events()
        #expect(events.first?.event == .memoryStored(value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil))
        #expect(events.count == 2)
    }
}

private func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
    .object(pairs.map { JSONMember($0.key, $0.value) })
}
