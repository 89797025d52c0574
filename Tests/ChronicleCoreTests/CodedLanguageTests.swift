import ChronicleCore
import Testing

/// One coded line and what it must parse to.
struct CodedCase: Sendable, CustomTestStringConvertible {
    var line: String
    var expected: ParsedLine
    var testDescription: String { line.debugDescription }

    init(_ line: String, _ expected: ParsedLine) {
        self.line = line
        self.expected = expected
    }

    init(_ line: String, _ command: Command, _ envelope: Envelope = Envelope()) {
        self.init(line, .command(command, envelope))
    }
}

/// One line that must be refused, with the code of its `er:` ack.
struct RefusedCase: Sendable, CustomTestStringConvertible {
    var line: String
    var code: CommandError.Code
    var testDescription: String { "\(line.debugDescription) → \(code.rawValue)" }

    init(_ line: String, _ code: CommandError.Code) {
        self.line = line
        self.code = code
    }
}

@Suite struct CodedLanguageTests {
    /// Every example of seed 001 "Coded Language Examples": the frontend commands, then the backend events.
    static let seedExamples: [CodedCase] = [
        // Frontend LLM generates these commands.
        CodedCase(
            "tc:User Authentication System|business_growth|high",
            .taskCreate(spec("User Authentication System", "business_growth", .high))),
        CodedCase(
            "ts:auto|0.3|Complex multi-component system",
            .taskSplit(id: nil, confidence: 0.3, reason: "Complex multi-component system", into: [])),
        CodedCase(
            "wf:project_planning|{name:'MyApp',scope:'web,mobile'}",
            .workflowStart(workflow: "project_planning", id: nil, params: object(["name": "MyApp", "scope": "web,mobile"]), steps: [])),
        CodedCase(
            "ms:user_preference|{theme:'dark'}|semantic",
            .memoryStore(key: "user_preference", value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil)),
        // `cl:conversation_${date}|full` once the template is filled in (as written it is refused: see below).
        CodedCase("cl:conversation_2025-06-01|full", .contextLoad(contextID: "conversation_2025-06-01", depth: .full)),
        // Backend processes and returns events.
        CodedCase("tr:task_123|0.85|one_shot", .taskRoute(id: "task_123", confidence: 0.85, routing: "one_shot")),
        CodedCase("su:task_123|in_progress|0.45", .statusReport(entity: "task_123", status: "in_progress", progress: 0.45)),
        CodedCase(
            "tc:task_123|success|{next:['task_124','task_125']}",
            .taskComplete(id: "task_123", result: "success", nextSteps: object(["next": ["task_124", "task_125"]]))),
        CodedCase(
            "cl:conversation_123|Summary: Discussed auth implementation...",
            .contextSummary(id: "conversation_123", summary: "Summary: Discussed auth implementation...")),
    ]

    @Test(arguments: seedExamples)
    func seedExample(_ c: CodedCase) throws {
        #expect(try CodedLanguage.parse(line: c.line[...]) == c.expected)
    }

    /// The seed's `cl:conversation_${date}|full` taken literally: `$`, `{` and `}` are not id characters.
    @Test func seedTemplatePlaceholderIsNotAnID() {
        #expect(
            throws: CommandError(
                .invalidID, "context id 'conversation_${date}' is not a valid id",
                recovery: "use 1-128 characters from A-Z a-z 0-9 _ . - starting with a letter or digit")
        ) {
            try CodedLanguage.parse(line: "cl:conversation_${date}|full")
        }
    }

    static let escapes: [CodedCase] = [
        CodedCase("ms:note|a\\|b|semantic", .memoryStore(key: "note", value: "a|b", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:note|back\\\\slash|semantic",
            .memoryStore(key: "note", value: "back\\slash", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:note|ends with \\\\|semantic",
            .memoryStore(key: "note", value: "ends with \\", type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:note|\\|\\||semantic", .memoryStore(key: "note", value: "||", type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:note|\\\\\\||semantic", .memoryStore(key: "note", value: "\\|", type: "semantic", category: nil, significance: nil)),
        // A backslash before anything else stays as written.
        CodedCase(
            "ms:path|C:\\temp\\new|procedural",
            .memoryStore(key: "path", value: "C:\\temp\\new", type: "procedural", category: nil, significance: nil)),
        CodedCase("tc:Pipes \\| and \\\\ slashes|refactor|low", .taskCreate(spec("Pipes | and \\ slashes", "refactor", .low))),
        CodedCase("ts:auto|0.5|split on a\\|b", .taskSplit(id: nil, confidence: 0.5, reason: "split on a|b", into: [])),
        // The escape is undone before the relaxed JSON is read.
        CodedCase(
            "ms:sep|{bar:'\\|'}|semantic",
            .memoryStore(key: "sep", value: object(["bar": "|"]), type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "cl:conversation_9|Summary: a\\|b, \\\\ done", .contextSummary(id: "conversation_9", summary: "Summary: a|b, \\ done")),
    ]

    @Test(arguments: escapes)
    func escape(_ c: CodedCase) throws {
        #expect(try CodedLanguage.parse(line: c.line[...]) == c.expected)
    }

    static let envelopes: [CodedCase] = [
        CodedCase(
            "[id=c-17 valid=2025-06-01T10:00:00Z rev=3] ms:theme|dark|semantic",
            .memoryStore(key: "theme", value: "dark", type: "semantic", category: nil, significance: nil),
            Envelope(commandID: "c-17", validAt: time("2025-06-01T10:00:00Z"), expectedRevision: 3)),
        CodedCase(
            "[id=c-18] tc:Write docs|documentation|low",
            .taskCreate(spec("Write docs", "documentation", .low)), Envelope(commandID: "c-18")),
        CodedCase(
            "[rev=0] ms:fresh|v|semantic",
            .memoryStore(key: "fresh", value: "v", type: "semantic", category: nil, significance: nil), Envelope(expectedRevision: 0)),
        // Offsets and fractions, read as the same instant in UTC.
        CodedCase(
            "[valid=2025-06-01T12:30:00.25+02:30] su:task_1|done|1",
            .statusReport(entity: "task_1", status: "done", progress: 1), Envelope(validAt: time("2025-06-01T10:00:00.25Z"))),
        // Keys in any order, extra blanks anywhere between them.
        CodedCase(
            "[  rev=12\tid=A.b-9   valid=2024-02-29T23:59:59Z ]   ms:k|v|episodic",
            .memoryStore(key: "k", value: "v", type: "episodic", category: nil, significance: nil),
            Envelope(commandID: "A.b-9", validAt: time("2024-02-29T23:59:59Z"), expectedRevision: 12)),
        CodedCase("[] ms:k|v|semantic", .memoryStore(key: "k", value: "v", type: "semantic", category: nil, significance: nil)),
    ]

    @Test(arguments: envelopes)
    func envelope(_ c: CodedCase) throws {
        #expect(try CodedLanguage.parse(line: c.line[...]) == c.expected)
    }

    /// §7: a field that starts with `{` or `[` is relaxed JSON; any other field is a string.
    static let values: [CodedCase] = [
        CodedCase(
            "ms:user_preference|{theme:'dark'}|semantic",
            .memoryStore(key: "user_preference", value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:theme|dark|semantic", .memoryStore(key: "theme", value: "dark", type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:answer|42|semantic", .memoryStore(key: "answer", value: "42", type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:flag|true|semantic", .memoryStore(key: "flag", value: "true", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:quoted|'dark'|semantic", .memoryStore(key: "quoted", value: "'dark'", type: "semantic", category: nil, significance: nil)),
        CodedCase("ms:blank||semantic", .memoryStore(key: "blank", value: "", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:unicode|café ☕ 😀|semantic",
            .memoryStore(key: "unicode", value: "café ☕ 😀", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:inner|a {b} [c]|semantic",
            .memoryStore(key: "inner", value: "a {b} [c]", type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:list|[1, 'two', true, null, {x: -2.5e1}]|episodic",
            .memoryStore(key: "list", value: [1, "two", true, nil, object(["x": -25])], type: "episodic", category: nil, significance: nil)),
        CodedCase(
            "ms:strict|{\"a\": [\"b\", 1]}|semantic",
            .memoryStore(key: "strict", value: object(["a": ["b", 1]]), type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:trailing|{a:1, b:[2,],}|semantic",
            .memoryStore(key: "trailing", value: object(["a": 1, "b": [2]]), type: "semantic", category: nil, significance: nil)),
        CodedCase(
            "ms:nested|{$id:'x', 'k y':{z:'it\\'s'}}|semantic",
            .memoryStore(
                key: "nested", value: object(["$id": "x", "k y": object(["z": "it's"])]), type: "semantic", category: nil, significance: nil
            )),
        CodedCase("wf:deploy", .workflowStart(workflow: "deploy", id: nil, params: .object([]), steps: [])),
        CodedCase("wf:deploy|", .workflowStart(workflow: "deploy", id: nil, params: .object([]), steps: [])),
        CodedCase("wf:deploy|{}", .workflowStart(workflow: "deploy", id: nil, params: .object([]), steps: [])),
        CodedCase("cl:task_1", .contextLoad(contextID: "task_1", depth: .summary)),
        CodedCase("cl:task_1|summary", .contextLoad(contextID: "task_1", depth: .summary)),
        CodedCase(
            "cl:contexts/agents/dev/backend_tasks.yaml|full",
            .contextLoad(contextID: "contexts/agents/dev/backend_tasks.yaml", depth: .full)),
        CodedCase("su:task/auth_impl_001|done|", .statusReport(entity: "task/auth_impl_001", status: "done", progress: nil)),
        CodedCase("su:wf_1|running", .statusReport(entity: "wf_1", status: "running", progress: nil)),
        CodedCase("su:wf_1|completed|0", .statusReport(entity: "wf_1", status: "completed", progress: 0)),
        CodedCase("tc:Refactor the parser|refactor|complex", .taskCreate(spec("Refactor the parser", "refactor", .high))),
        CodedCase("tc:Fix typo|docs|Trivial", .taskCreate(spec("Fix typo", "docs", .low))),
        CodedCase("tc:Add cache|perf|moderate", .taskCreate(spec("Add cache", "perf", .medium))),
        CodedCase("tc:task_9|{ok:true}|[]", .taskComplete(id: "task_9", result: object(["ok": true]), nextSteps: [])),
        CodedCase("ts:auth_impl_001|1|too big", .taskSplit(id: "auth_impl_001", confidence: 1, reason: "too big", into: [])),
        CodedCase("tr:task_7|0|split", .taskRoute(id: "task_7", confidence: 0, routing: "split")),
        // Blanks around the line and a CR of a CRLF ending are not part of it.
        CodedCase("  ms:k|v|semantic \t\r", .memoryStore(key: "k", value: "v", type: "semantic", category: nil, significance: nil)),
        // …but blanks inside a field are.
        CodedCase("ms:k| v |semantic", .memoryStore(key: "k", value: " v ", type: "semantic", category: nil, significance: nil)),
    ]

    @Test(arguments: values)
    func value(_ c: CodedCase) throws {
        #expect(try CodedLanguage.parse(line: c.line[...]) == c.expected)
    }

    @Test(arguments: [
        "", " ", "\t", "\r", "  \t \r", "#", "# a comment", "   # indented comment", "#tc:Not a task|x|low", "#{\"cmd\":\"task.create\"}",
    ])
    func skipped(_ line: String) throws {
        #expect(try CodedLanguage.parse(line: line[...]) == .skip)
    }

    static let refused: [RefusedCase] = [
        RefusedCase("cl:conversation_${date}|full", .invalidID),
        RefusedCase("ms:../etc/passwd|x|semantic", .invalidID),
        RefusedCase("ms:a:b|x|semantic", .invalidID),
        RefusedCase("ms:a/b|x|semantic", .invalidID),
        RefusedCase("ms:a b|x|semantic", .invalidID),
        RefusedCase("ms:a\u{1}b|x|semantic", .invalidID),
        RefusedCase("ms:_private|x|semantic", .invalidID),
        RefusedCase("ms:" + String(repeating: "k", count: 129) + "|x|semantic", .invalidID),
        RefusedCase("ms:k|x|semantic memory", .invalidID),
        RefusedCase("tc:Title|business growth|high", .invalidID),
        RefusedCase("su:task/../x|done|1", .invalidID),
        RefusedCase("su:../x|done|1", .invalidID),
        RefusedCase("cl:../secrets|full", .invalidID),
        RefusedCase("cl:contexts//x.yaml|full", .invalidID),
        RefusedCase("cl:a/b|Summary", .invalidID),
        RefusedCase("wf:../wf|{}", .invalidID),
        RefusedCase("[id=../x] ms:k|v|semantic", .invalidID),
        RefusedCase("[valid=99999-01-01T00:00:00Z] ms:k|v|semantic", .invalidTime),
        RefusedCase("[valid=2025-13-01T00:00:00Z] ms:k|v|semantic", .invalidTime),
        RefusedCase("[valid=2025-02-30T00:00:00Z] ms:k|v|semantic", .invalidTime),
        RefusedCase("[valid=2025-06-01] ms:k|v|semantic", .invalidTime),
        RefusedCase("[valid=] ms:k|v|semantic", .invalidTime),
        RefusedCase("xx:a|b", .unknownCommand),
        RefusedCase("TC:Title|intent|high", .unknownCommand),
        RefusedCase("er:parse|line 1: x|y", .unknownCommand),
        RefusedCase("hello world", .parse),
        RefusedCase("t:x", .parse),
        RefusedCase("tcx:a|b|c", .parse),
        RefusedCase("tc:Only a title", .parse),
        RefusedCase("tc:a|b|high|extra", .parse),
        RefusedCase("tc:a|b|gigantic", .parse),
        RefusedCase("tc:|intent|high", .parse),
        RefusedCase("tc:Tab\tin title|intent|high", .parse),
        RefusedCase("ts:auto|0.3", .parse),
        RefusedCase("ts:auto|1.5|x", .parse),
        RefusedCase("ts:auto|-0.1|x", .parse),
        RefusedCase("ts:auto|nan|x", .parse),
        RefusedCase("ts:auto|0.3|", .parse),
        RefusedCase("ms:k|v", .parse),
        RefusedCase("ms:k|v|semantic|extra", .parse),
        RefusedCase("ms:k|{theme:dark}|semantic", .parse),
        RefusedCase("ms:k|{theme:'dark'|semantic", .parse),
        RefusedCase("ms:k|[1,,2]|semantic", .parse),
        RefusedCase("ms:k|{a:'x\\q'}|semantic", .parse),
        RefusedCase("ms:k|" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "|semantic", .parse),
        RefusedCase("wf:planning|[1,2]", .parse),
        RefusedCase("wf:planning|{a:1}|extra", .parse),
        RefusedCase("su:task_1", .parse),
        RefusedCase("su:task_1|done|1.5", .parse),
        RefusedCase("su:task_1|done|lots", .parse),
        RefusedCase("cl:", .invalidID),
        RefusedCase("cl:a|b|c", .parse),
        RefusedCase("[id=a]", .parse),
        RefusedCase("[id=a ms:k|v|semantic", .parse),
        RefusedCase("[rev=-1] ms:k|v|semantic", .parse),
        RefusedCase("[rev=three] ms:k|v|semantic", .parse),
        RefusedCase("[foo=bar] ms:k|v|semantic", .parse),
        RefusedCase("[id] ms:k|v|semantic", .parse),
        RefusedCase("\u{FEFF}ms:k|v|semantic", .parse),
    ]

    @Test(arguments: refused)
    func refusedLine(_ c: RefusedCase) {
        do {
            let parsed = try CodedLanguage.parse(line: c.line[...])
            Issue.record("expected er:\(c.code.rawValue), parsed \(parsed)")
        } catch {
            #expect(error.code == c.code, "\(error)")
        }
    }

    @Test func wrongFieldCountSaysWhatTheCommandTakes() {
        #expect(
            throws: CommandError(
                .parse, "ms: takes key|value|type, got 2 fields", recovery: "separate fields with '|' and escape a literal bar as \\|")
        ) {
            try CodedLanguage.parse(line: "ms:k|v")
        }
    }

    @Test func unknownCommandNamesIt() {
        #expect(
            throws: CommandError(
                .unknownCommand, "unknown coded command 'xx:'", recovery: "use tc:, ts:, wf:, ms:, cl:, su: or tr:, or a JSON object")
        ) {
            try CodedLanguage.parse(line: "xx:a|b")
        }
    }

    @Test(arguments: [
        ("a|b", ["a", "b"]), ("", [""]), ("|", ["", ""]), ("a\\|b", ["a|b"]), ("a\\\\|b", ["a\\", "b"]),
        ("a\\", ["a\\"]), ("\\n", ["\\n"]), ("x||y", ["x", "", "y"]), ("é|ü", ["é", "ü"]),
    ])
    func splitFields(_ text: String, _ expected: [String]) throws {
        #expect(try CodedLanguage.splitFields(text[...]) == expected)
    }

    /// What ``CodedLanguage/escape(_:)`` writes, ``CodedLanguage/splitFields(_:)`` reads back as one field.
    @Test(arguments: ["plain", "a|b", "back\\slash", "\\|", "||\\\\", "ends\\", "é|☕", ""])
    func escapeRoundTrip(_ text: String) throws {
        #expect(try CodedLanguage.splitFields(CodedLanguage.escape(text)[...]) == [text])
    }
}

/// One rule for fields left out: the last field of `wf:` (params), `cl:` (depth) and `su:`
/// (progress) has a default and may be left out or left empty, with the same meaning; every
/// other field is required, and leaving it out names the command's fields.
@Suite struct MissingFieldTests {
    static let defaulted: [(String, String, Command)] = [
        ("wf:deploy", "wf:deploy|", .workflowStart(workflow: "deploy", id: nil, params: .object([]), steps: [])),
        ("cl:ctx", "cl:ctx|", .contextLoad(contextID: "ctx", depth: .summary)),
        ("su:t1|in_progress", "su:t1|in_progress|", .statusReport(entity: "t1", status: "in_progress", progress: nil)),
    ]

    @Test(arguments: defaulted.indices)
    func aDefaultedFieldMayBeLeftOutOrLeftEmpty(index: Int) throws {
        let (leftOut, leftEmpty, command) = Self.defaulted[index]
        #expect(try CodedLanguage.parse(line: leftOut[...]) == .command(command, Envelope()))
        #expect(try CodedLanguage.parse(line: leftEmpty[...]) == .command(command, Envelope()))
    }

    static let required: [(String, String)] = [
        ("tc:Title|feature", "tc: takes title|intent|complexity, got 2 fields"),
        ("tc:Title", "tc: takes title|intent|complexity, got 1 field"),
        ("ts:auto|0.5", "ts: takes task_id|confidence|reason, got 2 fields"),
        ("tr:t1|0.9", "tr: takes task_id|confidence|routing, got 2 fields"),
        ("ms:theme|dark", "ms: takes key|value|type, got 2 fields"),
        ("su:t1", "su: takes entity_id|status|progress, got 1 field"),
    ]

    @Test(arguments: required.indices)
    func aRequiredFieldLeftOutNamesTheFields(index: Int) {
        let (line, message) = Self.required[index]
        #expect(throws: CommandError(.parse, message, recovery: "separate fields with '|' and escape a literal bar as \\|")) {
            try CodedLanguage.parse(line: line[...])
        }
    }
}
