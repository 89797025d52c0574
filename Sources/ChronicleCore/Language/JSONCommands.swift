/// The JSON form of commands: `{"cmd": NAME, …fields, "id"?, "valid_at"?, "expected_rev"?}`,
/// and the frontend's handoff object `{"userResponse": …, "handoff": {"action": "update_task", …}}`.
public enum JSONCommands {
    public static func parse(_ line: Substring) throws(CommandError) -> ParsedLine {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw .parse("not valid JSON: \(error)", "check quotes, commas and braces")
        }
        guard case .object = value else { throw .parse("a JSON command must be an object", "write {\"cmd\": \"task.create\", …}") }
        if let handoff = value["handoff"] { return try parseHandoff(handoff) }
        var f = Fields(value, name: "command")
        guard let name = try f.string("cmd") else {
            throw .parse("the JSON object has no \"cmd\"", "name the command: {\"cmd\": \"task.create\", …}")
        }
        f.name = name
        var envelope = Envelope()
        // "id" names the task or workflow instance in task.* and workflow.*; elsewhere it is the command id.
        let idNamesEntity = name.hasPrefix("task.") || name.hasPrefix("workflow.")
        var commandID = try f.string("command_id")
        if !idNamesEntity, f.has("id"), commandID != nil {
            throw .parse(
                "\(name) gives both \"id\" and \"command_id\", two names for its command id", "give the command id once, as \"command_id\"")
        }
        if commandID == nil, !idNamesEntity { commandID = try f.string("id") }
        if let id = commandID {
            guard Identifier.isValid(id) else { throw .invalidID("command id", id) }
            envelope.commandID = id
        }
        if let valid = try f.string("valid_at") { envelope.validAt = try CodedLanguage.time(valid) }
        if let rev = try f.number("expected_rev") {
            guard rev >= 0, rev == rev.rounded(), rev < 1e15 else {
                throw .parse("expected_rev must be a whole number ≥ 0", "give the stream revision you read")
            }
            envelope.expectedRevision = Int(rev)
        }
        let command = try command(name, &f)
        try f.finish()
        return .command(command, envelope)
    }

    static func command(_ name: String, _ f: inout Fields) throws(CommandError) -> Command {
        switch name {
        case "task.create":
            return .taskCreate(try taskSpec(&f))
        case "task.update":
            let id = try f.requiredID("task_id", alias: "id")
            guard let set = f.take("set") else { throw .parse("task.update needs \"set\": {…}", "give the fields to change under \"set\"") }
            guard case .object = set else {
                throw .parse("task.update's \"set\" must be an object", "write \"set\": {\"title\": …} with the fields to change")
            }
            var s = Fields(set, name: "task.update set")
            let changes = try taskChanges(&s)
            try s.finish()
            guard !changes.isEmpty else { throw .parse("task.update sets nothing", "give at least one field under \"set\"") }
            return .taskUpdate(id: id, changes: changes)
        case "task.split":
            let id = try f.requiredID("task_id", alias: "id")
            let confidence = try f.fraction("confidence") ?? 0
            let reason = try f.string("reason") ?? ""
            var children: [TaskSpec] = []
            if let into = f.take("into") {
                guard let items = into.arrayValue else {
                    throw .parse("\"into\" must be an array of task specs", "write \"into\": [{\"title\": …}]")
                }
                for item in items {
                    var c = Fields(item, name: "task.split into")
                    var spec = try taskSpec(&c)
                    try c.finish()
                    if let parent = spec.parent, parent != id {
                        throw .parse(
                            "a child of task.split has the parent '\(CommandError.shown(parent))'; its parent is the task split, '\(id)'",
                            "remove \"parent\" from the child")
                    }
                    spec.parent = id
                    children.append(spec)
                }
            }
            return .taskSplit(id: id, confidence: confidence, reason: reason, into: children)
        case "task.status":
            let id = try f.requiredID("task_id", alias: "id")
            let statuses = TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")
            guard let word = try f.string("status") else { throw .parse("task.status needs a \"status\"", "use one of \(statuses)") }
            guard let status = TaskStatus(word: word) else {
                throw .parse("'\(CommandError.shown(word))' is not a task status", "use one of \(statuses)")
            }
            return .taskStatus(id: id, status: status, progress: try f.fraction("progress"))
        case "task.complete":
            let id = try f.requiredID("task_id", alias: "id")
            return .taskComplete(id: id, result: f.take("result") ?? .null, nextSteps: f.take("next_steps") ?? .array([]))
        case "task.cancel":
            return .taskCancel(id: try f.requiredID("task_id", alias: "id"), reason: try f.string("reason") ?? "")
        case "task.relate":
            let id = try f.requiredID("task_id", alias: "id")
            guard let related = try f.ids("related"), !related.isEmpty else {
                throw .parse("task.relate needs \"related\": [task ids]", "list the related task ids")
            }
            return .taskRelate(id: id, related: related)
        case "memory.store":
            let key = try f.requiredID("key")
            guard let value = f.take("value") else { throw .parse("memory.store needs a \"value\"", "give any JSON value") }
            let type = try f.string("type") ?? "semantic"
            guard Identifier.isValid(type) else { throw .invalidID("memory type", type) }
            let category = try f.string("category")
            if let category, !Identifier.isValid(category) { throw .invalidID("category", category) }
            return .memoryStore(key: key, value: value, type: type, category: category, significance: try f.fraction("significance"))
        case "memory.forget":
            return .memoryForget(key: try f.requiredID("key"))
        case "workflow.start":
            let workflow = try f.requiredID("workflow")
            let id = try f.optionalID("instance_id", alias: "id")
            let params = f.take("params") ?? .object([])
            guard case .object = params else { throw .parse("params must be an object", "write \"params\": {…}") }
            return .workflowStart(workflow: workflow, id: id, params: params, steps: try f.ids("steps") ?? [])
        case "workflow.step":
            let id = try f.requiredID("instance_id", alias: "id")
            let step = try f.requiredID("step")
            guard let word = try f.string("status") else {
                throw .parse("workflow.step needs \"status\": started, completed or failed", "give the step's status")
            }
            guard let status = StepStatus(rawValue: word) else {
                throw .parse("'\(CommandError.shown(word))' is not a step status", "use one of started, completed, failed")
            }
            return .workflowStep(id: id, step: step, status: status, output: f.take("output"), error: try f.string("error"))
        case "workflow.complete":
            return .workflowComplete(id: try f.requiredID("instance_id", alias: "id"), result: f.take("result"))
        case "workflow.cancel":
            return .workflowCancel(id: try f.requiredID("instance_id", alias: "id"), reason: try f.string("reason"))
        case "event.retract":
            guard let seq = try f.number("seq"), seq >= 1, seq == seq.rounded(), seq < 1e15 else {
                throw .parse("event.retract needs \"seq\": the log position to retract", "give a whole number ≥ 1")
            }
            return .eventRetract(seq: Int64(seq), reason: try f.string("reason") ?? "")
        case "context.load":
            guard let id = try f.string("context_id") else { throw .parse("context.load needs \"context_id\"", "name the context") }
            guard Identifier.isValid(id) || Identifier.isValidPath(id) else { throw .invalidID("context id", id) }
            let word = try f.string("depth") ?? "summary"
            guard let depth = ContextDepth(rawValue: word) else {
                throw .parse("depth '\(CommandError.shown(word))' is not summary or full", "use summary or full")
            }
            return .contextLoad(contextID: id, depth: depth)
        default:
            throw CommandError(
                .unknownCommand, "unknown command '\(CommandError.shown(name))'",
                recovery:
                    "use task.create, task.update, task.split, task.status, task.complete, task.cancel, task.relate, memory.store, memory.forget, workflow.start, workflow.step, workflow.complete, workflow.cancel, event.retract or context.load"
            )
        }
    }

    static func taskSpec(_ f: inout Fields) throws(CommandError) -> TaskSpec {
        guard let title = try f.string("title"), !title.isEmpty else {
            throw .parse("\(f.name) needs a \"title\"", "give the task a title")
        }
        guard !title.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else {
            throw .parse("the title contains a control character", "remove control characters (newlines, tabs, NUL) from the title")
        }
        let intent = try f.requiredID("intent")
        guard let word = try f.string("complexity") else {
            throw .parse("\(f.name) needs \"complexity\": low, medium or high", "give the complexity")
        }
        guard let complexity = Complexity(word: word) else {
            throw .parse("'\(CommandError.shown(word))' is not a complexity", "use low, medium or high")
        }
        var spec = TaskSpec(id: try f.optionalID("task_id", alias: "id"), title: title, intent: intent, complexity: complexity)
        spec.description = try f.string("description")
        spec.confidence = try f.fraction("confidence")
        spec.keywords = try f.strings("keywords") ?? []
        spec.patterns = try f.strings("patterns") ?? []
        spec.related = try f.ids("related") ?? []
        spec.parent = try f.optionalID("parent")
        spec.contextCascade = try f.path("context_cascade")
        spec.estimatedEffort = try f.string("estimated_effort")
        return spec
    }

    static func taskChanges(_ f: inout Fields) throws(CommandError) -> TaskChanges {
        var c = TaskChanges()
        c.title = try f.string("title")
        c.description = try f.string("description")
        if let intent = try f.string("intent") {
            guard Identifier.isValid(intent) else { throw .invalidID("intent", intent) }
            c.intent = intent
        }
        if let word = try f.string("complexity") {
            guard let complexity = Complexity(word: word) else {
                throw .parse("complexity '\(CommandError.shown(word))' is not low, medium or high", "use low, medium or high")
            }
            c.complexity = complexity
        }
        c.confidence = try f.fraction("confidence")
        c.keywords = try f.strings("keywords")
        c.patterns = try f.strings("patterns")
        c.related = try f.ids("related", alias: "related_tasks")
        c.contextCascade = try f.path("context_cascade")
        c.estimatedEffort = try f.string("estimated_effort")
        return c
    }

    static func parseHandoff(_ handoff: JSONValue) throws(CommandError) -> ParsedLine {
        var f = Fields(handoff, name: "handoff")
        guard let action = try f.string("action") else { throw .parse("the handoff has no \"action\"", "give \"action\": \"update_task\"") }
        guard action == "update_task" else {
            throw CommandError(
                .unknownCommand, "unknown handoff action '\(CommandError.shown(action))'", recovery: "use \"action\": \"update_task\"")
        }
        let id = try f.requiredID("taskId", alias: "task_id")
        let changes = try taskChanges(&f)
        try f.finish()
        guard !changes.isEmpty else { throw .parse("the handoff changes nothing", "give at least one task field") }
        return .command(.taskUpdate(id: id, changes: changes), Envelope())
    }
}

/// The members of a JSON object being read, so that unknown or mistyped fields are reported.
struct Fields {
    var members: [JSONMember]
    var name: String
    var used: Set<String> = []

    init(_ value: JSONValue, name: String) {
        self.members = value.objectMembers ?? []
        self.name = name
    }

    /// Whether the object has a member `key` (used or not).
    func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    mutating func take(_ key: String, alias: String? = nil) -> JSONValue? {
        for m in members where m.key == key || m.key == alias {
            used.insert(m.key)
            return m.value
        }
        return nil
    }

    func finish() throws(CommandError) {
        var seen = Set<String>()
        for m in members where !seen.insert(m.key).inserted {
            throw .parse("\(name) has the field \"\(CommandError.shown(m.key))\" twice", "give each field once")
        }
        for m in members where !used.contains(m.key) && m.key != "cmd" && m.key != "userResponse" {
            throw .parse("\(name) has an unknown field \"\(CommandError.shown(m.key))\"", "remove it or check its spelling")
        }
    }

    func typeError(_ key: String, _ expected: String) -> CommandError {
        .parse("\"\(key)\" in \(name) must be \(expected)", "give \(key) as \(expected)")
    }

    mutating func string(_ key: String, alias: String? = nil) throws(CommandError) -> String? {
        guard let v = take(key, alias: alias), !v.isNull else { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a string") }
        return s
    }

    mutating func number(_ key: String) throws(CommandError) -> Double? {
        guard let v = take(key), !v.isNull else { return nil }
        guard let n = v.numberValue else { throw typeError(key, "a number") }
        return n
    }

    mutating func fraction(_ key: String) throws(CommandError) -> Double? {
        guard let n = try number(key) else { return nil }
        guard n >= 0, n <= 1 else {
            throw .parse("\"\(key)\" must be from 0 to 1, got \(JSONValue.format(number: n))", "write it like 0.45")
        }
        return n
    }

    mutating func strings(_ key: String, alias: String? = nil) throws(CommandError) -> [String]? {
        guard let v = take(key, alias: alias), !v.isNull else { return nil }
        guard let items = v.arrayValue else { throw typeError(key, "an array of strings") }
        var out: [String] = []
        for item in items {
            guard let s = item.stringValue, !s.isEmpty, s.utf8.count <= 128,
                !s.unicodeScalars.contains(where: { $0.value < 32 })
            else { throw typeError(key, "an array of short strings") }
            out.append(s)
        }
        return out
    }

    mutating func ids(_ key: String, alias: String? = nil) throws(CommandError) -> [String]? {
        guard let list = try strings(key, alias: alias) else { return nil }
        for id in list where !Identifier.isValid(id) { throw .invalidID(key, id) }
        return list
    }

    mutating func optionalID(_ key: String, alias: String? = nil) throws(CommandError) -> String? {
        guard let v = take(key, alias: alias), !v.isNull else { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a string id") }
        guard Identifier.isValid(s) else { throw .invalidID(key, s) }
        return s
    }

    mutating func requiredID(_ key: String, alias: String? = nil) throws(CommandError) -> String {
        guard let id = try optionalID(key, alias: alias) else { throw .parse("\(name) needs \"\(key)\"", "give the \(key)") }
        return id
    }

    mutating func path(_ key: String) throws(CommandError) -> String? {
        guard let p = try string(key) else { return nil }
        guard Identifier.isValidPath(p) else {
            throw CommandError(
                .invalidID, "\(key) '\(CommandError.shown(p))' is not a safe relative path",
                recovery: "use segments of A-Z a-z 0-9 _ . - separated by '/'")
        }
        return p
    }
}
