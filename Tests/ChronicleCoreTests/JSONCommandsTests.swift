import ChronicleCore
import Testing

/// The JSON form of every command of SPEC §3, and the seed's handoff object.
@Suite struct JSONCommandsTests {
    static let commands: [CodedCase] = [
        CodedCase(
            #"{"cmd":"task.create","title":"User Authentication System","intent":"business_growth","complexity":"high"}"#,
            .taskCreate(spec("User Authentication System", "business_growth", .high))),
        CodedCase(
            #"{"cmd":"task.create","id":"auth_impl_001","title":"Implement auth","intent":"auth_implementation","complexity":"medium","description":"JWT login","confidence":0.87,"keywords":["authentication","jwt"],"patterns":["feature_dev"],"related":["user_mgmt_002"],"parent":"auth_epic_001","context_cascade":"contexts/agents/dev/backend_tasks.yaml","estimated_effort":"2-3_days","command_id":"c-1","valid_at":"2025-06-01T09:00:00Z","expected_rev":0}"#,
            .taskCreate(
                spec("Implement auth", "auth_implementation", .medium, id: "auth_impl_001") {
                    $0.description = "JWT login"
                    $0.confidence = 0.87
                    $0.keywords = ["authentication", "jwt"]
                    $0.patterns = ["feature_dev"]
                    $0.related = ["user_mgmt_002"]
                    $0.parent = "auth_epic_001"
                    $0.contextCascade = "contexts/agents/dev/backend_tasks.yaml"
                    $0.estimatedEffort = "2-3_days"
                }),
            Envelope(commandID: "c-1", validAt: time("2025-06-01T09:00:00Z"), expectedRevision: 0)),
        CodedCase(
            #"{"cmd":"task.update","id":"auth_impl_001","set":{"title":"Auth v2","confidence":0.5,"keywords":[],"related_tasks":["api_security_003"]}}"#,
            .taskUpdate(
                id: "auth_impl_001",
                changes: {
                    var c = TaskChanges()
                    c.title = "Auth v2"
                    c.confidence = 0.5
                    c.keywords = []
                    c.related = ["api_security_003"]
                    return c
                }())),
        CodedCase(
            #"{"cmd":"task.split","id":"app_001","confidence":0.3,"reason":"too big","into":[{"title":"Backend","intent":"api","complexity":"high"},{"id":"frontend_x","title":"Frontend","intent":"ui","complexity":"low","keywords":["react"]}]}"#,
            .taskSplit(
                id: "app_001", confidence: 0.3, reason: "too big",
                into: [
                    spec("Backend", "api", .high) { $0.parent = "app_001" },
                    spec("Frontend", "ui", .low, id: "frontend_x") {
                        $0.keywords = ["react"]
                        $0.parent = "app_001"
                    },
                ])),
        CodedCase(#"{"cmd":"task.split","id":"app_001"}"#, .taskSplit(id: "app_001", confidence: 0, reason: "", into: [])),
        CodedCase(
            #"{"cmd":"task.status","id":"app_001","status":"in_progress","progress":0.45}"#,
            .taskStatus(id: "app_001", status: .inProgress, progress: 0.45)),
        CodedCase(
            #"{"cmd":"task.status","task_id":"app_001","status":"done"}"#, .taskStatus(id: "app_001", status: .completed, progress: nil)),
        CodedCase(
            #"{"cmd":"task.complete","id":"app_001","result":{"pr":42},"next_steps":["deploy","announce"]}"#,
            .taskComplete(id: "app_001", result: object(["pr": 42]), nextSteps: ["deploy", "announce"])),
        CodedCase(#"{"cmd":"task.complete","id":"app_001"}"#, .taskComplete(id: "app_001", result: nil, nextSteps: [])),
        CodedCase(#"{"cmd":"task.cancel","id":"app_001","reason":"duplicate"}"#, .taskCancel(id: "app_001", reason: "duplicate")),
        CodedCase(
            #"{"cmd":"task.relate","id":"app_001","related":["user_mgmt_002","api_security_003"]}"#,
            .taskRelate(id: "app_001", related: ["user_mgmt_002", "api_security_003"])),
        CodedCase(
            #"{"cmd":"memory.store","key":"user_preference","value":{"theme":"dark","sizes":[1,2.5]},"type":"semantic","category":"ui","significance":0.9,"id":"c-2"}"#,
            .memoryStore(
                key: "user_preference", value: object(["theme": "dark", "sizes": [1, 2.5]]), type: "semantic", category: "ui",
                significance: 0.9),
            Envelope(commandID: "c-2")),
        CodedCase(
            #"{"cmd":"memory.store","key":"n","value":null}"#,
            .memoryStore(key: "n", value: nil, type: "semantic", category: nil, significance: nil)),
        CodedCase(#"{"cmd":"memory.forget","key":"user_preference"}"#, .memoryForget(key: "user_preference")),
        CodedCase(
            #"{"cmd":"workflow.start","workflow":"project_planning","id":"plan_7","params":{"name":"MyApp"},"steps":["scope","estimate"]}"#,
            .workflowStart(workflow: "project_planning", id: "plan_7", params: object(["name": "MyApp"]), steps: ["scope", "estimate"])),
        CodedCase(
            #"{"cmd":"workflow.start","workflow":"project_planning"}"#,
            .workflowStart(workflow: "project_planning", id: nil, params: .object([]), steps: [])),
        CodedCase(
            #"{"cmd":"workflow.step","id":"plan_7","step":"scope","status":"completed","output":{"pages":3}}"#,
            .workflowStep(id: "plan_7", step: "scope", status: .completed, output: object(["pages": 3]), error: nil)),
        CodedCase(
            #"{"cmd":"workflow.step","instance_id":"plan_7","step":"estimate","status":"failed","error":"timeout"}"#,
            .workflowStep(id: "plan_7", step: "estimate", status: .failed, output: nil, error: "timeout")),
        CodedCase(#"{"cmd":"workflow.complete","id":"plan_7","result":"ok"}"#, .workflowComplete(id: "plan_7", result: "ok")),
        CodedCase(#"{"cmd":"workflow.complete","id":"plan_7"}"#, .workflowComplete(id: "plan_7", result: nil)),
        CodedCase(
            #"{"cmd":"workflow.cancel","id":"plan_7","reason":"scope changed"}"#, .workflowCancel(id: "plan_7", reason: "scope changed")),
        CodedCase(
            #"{"cmd":"event.retract","seq":12,"reason":"wrong key","id":"c-3"}"#,
            .eventRetract(seq: 12, reason: "wrong key"), Envelope(commandID: "c-3")),
        CodedCase(
            #"{"cmd":"context.load","context_id":"contexts/agents/dev/backend_tasks.yaml","depth":"full"}"#,
            .contextLoad(contextID: "contexts/agents/dev/backend_tasks.yaml", depth: .full)),
        CodedCase(#"{"cmd":"context.load","context_id":"auth_impl_001"}"#, .contextLoad(contextID: "auth_impl_001", depth: .summary)),
        // Blanks between tokens, and around the line.
        CodedCase(
            "  { \"cmd\" : \"memory.forget\" ,\t\"key\" : \"k\" }  \r",
            .memoryForget(key: "k")),
    ]

    @Test(arguments: commands)
    func command(_ c: CodedCase) throws {
        #expect(try CodedLanguage.parse(line: c.line[...]) == c.expected)
    }

    /// The handoff object of seed 000, written as JSON on one line, field for field.
    static let seedHandoff =
        #"{"userResponse": "I'll update that auth task for you", "handoff": {"action": "update_task", "taskId": "auth_impl_001", "intent": "auth_implementation", "keywords": ["authentication", "security", "jwt"], "patterns": ["feature_dev", "security_critical"], "confidence": 0.87, "related_tasks": ["user_mgmt_002", "api_security_003"], "context_cascade": "contexts/agents/dev/backend_tasks.yaml", "estimated_effort": "2-3_days"}}"#

    static var seedHandoffChanges: TaskChanges {
        var c = TaskChanges()
        c.intent = "auth_implementation"
        c.keywords = ["authentication", "security", "jwt"]
        c.patterns = ["feature_dev", "security_critical"]
        c.confidence = 0.87
        c.related = ["user_mgmt_002", "api_security_003"]
        c.contextCascade = "contexts/agents/dev/backend_tasks.yaml"
        c.estimatedEffort = "2-3_days"
        return c
    }

    @Test func seedHandoffIsATaskUpdate() throws {
        #expect(
            try CodedLanguage.parse(line: Self.seedHandoff[...])
                == .command(.taskUpdate(id: "auth_impl_001", changes: Self.seedHandoffChanges), Envelope()))
    }

    /// The same object as the seed lays it out, over several lines (JSON allows newlines between tokens).
    @Test func seedHandoffPrettyPrinted() throws {
        let text = """
            {
              "userResponse": "I'll update that auth task for you",
              "handoff": {
                "action": "update_task",
                "taskId": "auth_impl_001",
                "intent": "auth_implementation",
                "keywords": ["authentication", "security", "jwt"],
                "patterns": ["feature_dev", "security_critical"],
                "confidence": 0.87,
                "related_tasks": ["user_mgmt_002", "api_security_003"],
                "context_cascade": "contexts/agents/dev/backend_tasks.yaml",
                "estimated_effort": "2-3_days"
              }
            }
            """
        #expect(
            try JSONCommands.parse(text[...]) == .command(.taskUpdate(id: "auth_impl_001", changes: Self.seedHandoffChanges), Envelope()))
    }

    static let refused: [RefusedCase] = [
        RefusedCase(#"{"cmd":"memory.store""#, .parse),
        RefusedCase(#"{"cmd":"memory.store","key":"k","value":1,}"#, .parse),
        RefusedCase(#"{'cmd':'memory.store','key':'k','value':1}"#, .parse),
        RefusedCase(#"{cmd:"memory.forget",key:"k"}"#, .parse),
        RefusedCase(#"{"cmd":"memory.store","key":"k","value":01}"#, .parse),
        RefusedCase(#"{"cmd":"memory.store","key":"k","value":"\ud800"}"#, .parse),
        RefusedCase(#"{"cmd":"memory.forget","key":"k"} trailing"#, .parse),
        RefusedCase(#"{"cmd":42}"#, .parse),
        RefusedCase(#"{"key":"k"}"#, .parse),
        RefusedCase(#"{"cmd":"memory.store","key":"k","value":1,"colour":"red"}"#, .parse),
        RefusedCase(#"{"cmd":"task.update","id":"t_1","set":{"titel":"x"}}"#, .parse),
        RefusedCase(#"{"cmd":"task.update","id":"t_1","set":{}}"#, .parse),
        RefusedCase(#"{"cmd":"task.update","id":"t_1"}"#, .parse),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i"}"#, .parse),
        RefusedCase(#"{"cmd":"task.create","title":"","intent":"i","complexity":"low"}"#, .parse),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","confidence":1.5}"#, .parse),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","keywords":"jwt"}"#, .parse),
        RefusedCase(#"{"cmd":"task.status","id":"t_1","status":"exploded"}"#, .parse),
        RefusedCase(#"{"cmd":"task.status","id":"t_1","status":"in_progress","progress":1.5}"#, .parse),
        RefusedCase(#"{"cmd":"workflow.step","id":"w_1","step":"s","status":"paused"}"#, .parse),
        RefusedCase(#"{"cmd":"workflow.start","workflow":"w","params":[1]}"#, .parse),
        RefusedCase(#"{"cmd":"event.retract","seq":1.5}"#, .parse),
        RefusedCase(#"{"cmd":"event.retract","seq":0}"#, .parse),
        RefusedCase(#"{"cmd":"context.load","context_id":"x","depth":"deep"}"#, .parse),
        RefusedCase(#"{"cmd":"memory.forget","key":"k","expected_rev":-1}"#, .parse),
        RefusedCase(#"{"cmd":"memory.forget","key":"k","expected_rev":"3"}"#, .parse),
        RefusedCase(#"{"handoff":{"taskId":"t_1","intent":"x"}}"#, .parse),
        RefusedCase(#"{"handoff":{"action":"update_task","taskId":"t_1"}}"#, .parse),
        RefusedCase(#"{"handoff":{"action":"update_task","taskId":"t_1","intent":"x","mood":"happy"}}"#, .parse),
        RefusedCase(#"{"cmd":"task.destroy","id":"t_1"}"#, .unknownCommand),
        RefusedCase(#"{"cmd":"memory.store.all","key":"k"}"#, .unknownCommand),
        RefusedCase(#"{"handoff":{"action":"delete_task","taskId":"t_1"}}"#, .unknownCommand),
        RefusedCase(#"{"cmd":"task.create","id":"../../x","title":"T","intent":"i","complexity":"low"}"#, .invalidID),
        RefusedCase(#"{"cmd":"task.create","id":"tasks:evil","title":"T","intent":"i","complexity":"low"}"#, .invalidID),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","context_cascade":"../outside.yaml"}"#, .invalidID),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","context_cascade":"/etc/passwd"}"#, .invalidID),
        RefusedCase(#"{"cmd":"task.create","title":"T","intent":"i","complexity":"low","related":["ok_1","not ok"]}"#, .invalidID),
        RefusedCase(#"{"cmd":"memory.store","key":"a\nb","value":1}"#, .invalidID),
        RefusedCase(#"{"cmd":"memory.store","key":"k","value":1,"id":"c/1"}"#, .invalidID),
        RefusedCase(#"{"cmd":"workflow.start","workflow":"w","id":"w 1"}"#, .invalidID),
        RefusedCase(#"{"cmd":"context.load","context_id":"../x"}"#, .invalidID),
        RefusedCase(#"{"cmd":"memory.forget","key":"k","valid_at":"2025-02-30T00:00:00Z"}"#, .invalidTime),
        RefusedCase(#"{"cmd":"memory.forget","key":"k","valid_at":"99999-01-01T00:00:00Z"}"#, .invalidTime),
        RefusedCase(#"{"cmd":"memory.forget","key":"k","valid_at":"yesterday"}"#, .invalidTime),
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

    @Test func unknownFieldIsNamed() {
        #expect(throws: CommandError(.parse, "memory.store has an unknown field \"colour\"", recovery: "remove it or check its spelling")) {
            try CodedLanguage.parse(line: #"{"cmd":"memory.store","key":"k","value":1,"colour":"red"}"#)
        }
    }
}

@Suite struct JSONCommandsStrictnessTests {
    @Test(arguments: [
        #"{"cmd":"memory.store","key":"a","key":"b","value":1}"#,
        #"{"cmd":"task.create","title":"a\u0000b","intent":"x","complexity":"low"}"#,
        #"{"cmd":"task.create","title":"two\nlines","intent":"x","complexity":"low"}"#,
    ])
    func refused(line: String) {
        #expect(throws: CommandError.self) { try CodedLanguage.parse(line: line[...]) }
    }
}
