public import ChronicleCore
internal import Yams

/// A person's edit of a file of the YAML tree (SPEC §5, two-way), read back as the commands
/// that make the entity what the file says. Pure: the file's bytes and the entity as of now in,
/// commands or a refusal out; the projector appends the commands and rewrites the file.
///
/// What may change: a task's title, description, intent, complexity, confidence, keywords,
/// patterns, related, context_cascade and estimated_effort (`task.update`), its status and
/// progress (`task.status`; `task.complete` with result and next_steps; `task.cancel` with
/// cancel_reason); a memory key's value, memory_type, category and significance
/// (`memory.store`); a running workflow's status, to completed (with result) or cancelled (with
/// cancel_reason). The other fields are the log's. A new file in `tasks/` or `memory/` without
/// a revision creates its entity, named by the file. Refused: text that is not YAML (with the
/// line and column the parser gives), an edit of an older revision than the entity's,
/// unknown, mistyped, removed or read-only fields, an impossible status move.
public enum FileEdit {
    /// What an edited file asks for.
    public enum Reading: Sendable, Equatable {
        /// The commands that make the entity what the file says, in order; none when the file
        /// says what the log says (a comment, another layout).
        case commands([Command])
        /// Why nothing can be appended, and what to do.
        case refused(String)
    }

    /// Reads `bytes`, the file of `stream` as a person left it, against `current`, the entity
    /// as of now (nil when it does not exist).
    /// - Complexity: O(size of the file).
    public static func read(_ bytes: [UInt8], of stream: StreamID, current: Entity?) -> Reading {
        do {
            let fields = try Fields(bytes)
            switch (stream.kind, current) {
            case (.task, .task(let t)?): return .commands(try taskEdit(fields, t))
            case (.task, nil): return .commands([try taskCreation(fields, id: stream.id)])
            case (.memory, .memory(let m)?): return .commands(try memoryEdit(fields, m))
            case (.memory, nil): return .commands([try memoryCreation(fields, key: stream.id)])
            case (.workflow, .workflow(let w)?): return .commands(try workflowEdit(fields, w))
            case (.workflow, nil):
                throw Refusal(
                    "there is no workflow instance '\(stream.id)', and a file cannot start one",
                    "start it with workflow.start (chronicle append), then edit its file")
            default:
                throw Refusal(
                    "this file does not describe a task, a memory key or a workflow", "edit the files under tasks/, memory/ or workflows/")
            }
        } catch let refusal as Refusal {
            return .refused(refusal.text)
        } catch {
            return .refused("\(error)")
        }
    }

    /// A refusal: what is wrong, where (a line of the file), and what to do.
    struct Refusal: Error {
        var text: String
        init(_ what: String, _ recovery: String, at mark: Mark? = nil) {
            text = (mark.map { "line \($0.line), column \($0.column): " } ?? "") + what + "; " + recovery
        }
    }

    // MARK: - Tasks

    static let taskUpdatable = [
        "title", "description", "intent", "complexity", "confidence", "keywords", "patterns", "related", "context_cascade",
        "estimated_effort",
    ]
    static let taskFields = [
        "id", "title", "description", "status", "progress", "intent", "complexity", "confidence", "routing", "keywords",
        "patterns", "related", "parent", "children", "context_cascade", "estimated_effort", "split_reason", "result",
        "next_steps", "cancel_reason", "created_at", "updated_at", "revision",
    ]

    static func taskEdit(_ file: Fields, _ t: TaskState) throws(Refusal) -> [Command] {
        try file.check(known: taskFields, kind: "task")
        try file.checkRevision(t.revision, of: "task '\(t.id)'")
        let old = Fields(t.json)
        let statusFields = ["status", "progress", "result", "next_steps", "cancel_reason"]
        for key in taskFields where !taskUpdatable.contains(key) && !statusFields.contains(key) && key != "revision" {
            try file.checkUnchanged(key, from: old)
        }
        var commands: [Command] = []
        var set: [JSONMember] = []
        for key in taskUpdatable where file.differs(key, from: old) {
            guard let value = file[key] else {
                throw Refusal("\(key) was removed", "give it a value; a field cannot be emptied through the file")
            }
            set.append(JSONMember(key, value))
        }
        if !set.isEmpty {
            commands.append(
                try parse(
                    .object([JSONMember("cmd", "task.update"), JSONMember("id", .string(t.id)), JSONMember("set", .object(set))]), file,
                    set[0].key))
        }

        guard let word = file["status"]?.stringValue else {
            throw Refusal(
                "status must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))", "give the task's status",
                at: file.mark("status"))
        }
        guard let status = TaskStatus(rawValue: word) else {
            throw Refusal(
                "'\(word)' is not a task status", "use one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                at: file.mark("status"))
        }
        let moves = status != t.status
        if !moves && !t.status.isOpen && file.differs("progress", from: old) {
            throw Refusal(
                "progress cannot change: the task is \(t.status.rawValue), which is final", "put back progress as it was",
                at: file.mark("progress"))
        }
        if moves && !status.isOpen && file.differs("progress", from: old) {
            throw Refusal(
                "progress is set by the move to \(status.rawValue)", "put back progress as it was, and change only the status",
                at: file.mark("progress"))
        }
        if moves || file.differs("progress", from: old) {
            guard t.status.canMove(to: status) else {
                let from = t.status.rawValue
                throw Refusal(
                    "status \(from) → \(status.rawValue) is impossible",
                    t.status.isOpen
                        ? "from \(from), a task can move to \(t.status.next.map(\.rawValue).joined(separator: ", "))"
                        : "\(from) is final: create a new task instead", at: file.mark("status"))
            }
        }
        for key in ["result", "next_steps"] where file.differs(key, from: old) && !(moves && status == .completed) {
            throw Refusal("\(key) can be given only with the move to status completed", "put back \(key) as it was", at: file.mark(key))
        }
        if file.differs("cancel_reason", from: old) && (status != .cancelled || !moves) {
            throw Refusal(
                "cancel_reason can be given only with the move to status cancelled", "put back cancel_reason as it was",
                at: file.mark("cancel_reason"))
        }
        let id = JSONValue.string(t.id)
        if moves && status == .completed {
            var complete = [JSONMember("cmd", "task.complete"), JSONMember("id", id)]
            for key in ["result", "next_steps"] { if let v = file[key] { complete.append(JSONMember(key, v)) } }
            commands.append(try parse(.object(complete), file, "status"))
        } else if moves && status == .cancelled {
            commands.append(
                try parse(
                    .object(["cmd": "task.cancel", "id": id, "reason": file["cancel_reason"] ?? .string("")]), file, "cancel_reason"))
        } else if moves || file.differs("progress", from: old) {
            commands.append(
                try parse(
                    .object(["cmd": "task.status", "id": id, "status": .string(word), "progress": file["progress"]]), file, "progress"))
        }
        return commands
    }

    static func taskCreation(_ file: Fields, id: String) throws(Refusal) -> Command {
        try file.check(known: taskFields, kind: "task")
        try file.checkNoRevision(of: "task '\(id)'")
        try file.checkName("id", is: id)
        let given = [
            "title", "description", "intent", "complexity", "confidence", "keywords", "patterns", "related", "parent", "context_cascade",
            "estimated_effort",
        ]
        var create = [JSONMember("cmd", "task.create"), JSONMember("id", .string(id))]
        for member in file.members where member.key != "id" {
            if member.key == "status" && member.value == .string(TaskStatus.pending.rawValue) { continue }
            guard given.contains(member.key) else {
                throw Refusal(
                    "\(member.key) is set by the log, not by a new file",
                    "remove it (a new task starts pending); give \(given.joined(separator: ", "))",
                    at: file.mark(member.key))
            }
            create.append(member)
        }
        return try parse(.object(create), file, nil)
    }

    // MARK: - Memory

    static let memoryFields = ["key", "value", "memory_type", "category", "significance", "version", "valid_from", "revision"]

    static func memoryEdit(_ file: Fields, _ m: MemoryState) throws(Refusal) -> [Command] {
        try file.check(known: memoryFields, kind: "memory key")
        try file.checkRevision(m.revision, of: "memory key '\(m.key)'")
        let old = Fields(m.json)
        for key in ["key", "version", "valid_from"] { try file.checkUnchanged(key, from: old) }
        guard ["value", "memory_type", "category", "significance"].contains(where: { file.differs($0, from: old) }) else { return [] }
        return [try store(file, key: m.key)]
    }

    static func memoryCreation(_ file: Fields, key: String) throws(Refusal) -> Command {
        try file.check(known: memoryFields, kind: "memory key")
        try file.checkNoRevision(of: "memory key '\(key)'")
        try file.checkName("key", is: key)
        for member in file.members where ["version", "valid_from"].contains(member.key) {
            throw Refusal("\(member.key) is set by the log, not by a new file", "remove it", at: file.mark(member.key))
        }
        return try store(file, key: key)
    }

    static func store(_ file: Fields, key: String) throws(Refusal) -> Command {
        guard let value = file["value"] else {
            throw Refusal("a memory file needs a value", "give `value:`; to forget the key, use memory.forget (chronicle append)")
        }
        let store = JSONValue.object([
            "cmd": "memory.store", "key": .string(key), "value": value, "type": file["memory_type"], "category": file["category"],
            "significance": file["significance"],
        ])
        return try parse(store, file, "value")
    }

    // MARK: - Workflows

    static let workflowFields = [
        "id", "workflow", "status", "progress", "params", "steps", "result", "cancel_reason", "started_at", "updated_at", "revision",
    ]

    static func workflowEdit(_ file: Fields, _ w: WorkflowState) throws(Refusal) -> [Command] {
        try file.check(known: workflowFields, kind: "workflow")
        try file.checkRevision(w.revision, of: "workflow '\(w.id)'")
        let old = Fields(w.json)
        for key in ["id", "workflow", "progress", "params", "steps", "started_at", "updated_at"] { try file.checkUnchanged(key, from: old) }
        let word = file["status"]?.stringValue ?? ""
        let moves = word != w.status.rawValue
        let id = JSONValue.string(w.id)
        var command: JSONValue?
        if moves {
            guard w.status.isOpen else {
                throw Refusal(
                    "status \(w.status.rawValue) → \(word) is impossible", "\(w.status.rawValue) is final for a workflow",
                    at: file.mark("status"))
            }
            switch word {
            case WorkflowStatus.completed.rawValue: command = .object(["cmd": "workflow.complete", "id": id, "result": file["result"]])
            case WorkflowStatus.cancelled.rawValue:
                command = .object(["cmd": "workflow.cancel", "id": id, "reason": file["cancel_reason"]])
            default:
                throw Refusal(
                    "a workflow's status can be edited to completed or cancelled only", "write status: completed or status: cancelled",
                    at: file.mark("status"))
            }
        }
        if file.differs("result", from: old) && !(moves && word == WorkflowStatus.completed.rawValue) {
            throw Refusal(
                "result can be given only with the move to status completed", "put back result as it was", at: file.mark("result"))
        }
        if file.differs("cancel_reason", from: old) && !(moves && word == WorkflowStatus.cancelled.rawValue) {
            throw Refusal(
                "cancel_reason can be given only with the move to status cancelled", "put back cancel_reason as it was",
                at: file.mark("cancel_reason"))
        }
        guard let command else { return [] }
        return [try parse(command, file, "status")]
    }

    /// The command `json` names, checked as `chronicle append` checks a JSON line.
    static func parse(_ json: JSONValue, _ file: Fields, _ near: String?) throws(Refusal) -> Command {
        let parsed: ParsedLine
        do {
            parsed = try JSONCommands.parse(Substring(json.jsonString))
        } catch {
            throw Refusal(error.message, error.recovery, at: near.flatMap(file.mark))
        }
        guard case .command(let command, _) = parsed else { throw Refusal("the file asks for nothing", "report this as a bug") }
        return command
    }
}

extension FileEdit {
    /// The members of a file's top-level mapping, as JSON values, with where each key stands.
    struct Fields {
        var members: [JSONMember]
        var marks: [String: Mark] = [:]

        init(_ value: JSONValue) { members = value.objectMembers ?? [] }

        init(_ bytes: [UInt8]) throws(Refusal) {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw Refusal("the file is not UTF-8 text", "save it as UTF-8")
            }
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch let error as YamlError {
                switch error {
                case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                    .composer(let context, let problem, let mark, _):
                    let within = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
                    throw Refusal("not valid YAML: \(problem)\(within)", "fix the YAML there", at: mark)
                case .duplicatedKeysInMapping(let duplicates, let context):
                    throw Refusal(
                        "the field\(duplicates.count == 1 ? "" : "s") \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) given twice",
                        "keep one of each (change the line that is there rather than add one)", at: context.mark)
                case .reader(let problem, _, _, _):
                    throw Refusal("not readable as YAML text: \(problem)", "remove control characters and save it as UTF-8")
                default:
                    throw Refusal("not valid YAML: \(error)", "fix the YAML")
                }
            } catch {
                throw Refusal("not valid YAML: \(error)", "fix the YAML")
            }
            guard let root else {
                throw Refusal("the file is empty", "give the entity's fields (deleting a file's text is not forgetting)")
            }
            guard case .mapping(let mapping) = root else {
                throw Refusal("the file is not a mapping of fields", "write one `field: value` per line", at: root.mark)
            }
            members = []
            for (key, value) in mapping {
                guard case .scalar(let name) = key else {
                    throw Refusal("a field's name must be plain text", "write `field: value`", at: key.mark)
                }
                members.append(JSONMember(name.string, try Self.json(value)))
                marks[name.string] = key.mark
            }
        }

        subscript(key: String) -> JSONValue? {
            guard let v = members.first(where: { $0.key == key })?.value, !v.isNull else { return nil }
            return v
        }

        func mark(_ key: String) -> Mark? { marks[key] }

        /// Whether `key` holds another value here than in `old` (absent and null are one).
        func differs(_ key: String, from old: Fields) -> Bool { self[key]?.canonical != old[key]?.canonical }

        func check(known: [String], kind: String) throws(Refusal) {
            for m in members where !known.contains(m.key) {
                throw Refusal("unknown field '\(m.key)'", "a \(kind) file has the fields \(known.joined(separator: ", "))", at: mark(m.key))
            }
        }

        func checkUnchanged(_ key: String, from old: Fields) throws(Refusal) {
            guard differs(key, from: old) else { return }
            throw Refusal("\(key) is set by the log and cannot be edited", "put back \(key) as it was", at: mark(key))
        }

        /// The file must be of the entity's revision `current`.
        func checkRevision(_ current: Int, of entity: String) throws(Refusal) {
            guard let given = members.first(where: { $0.key == "revision" })?.value else {
                throw Refusal(
                    "the file has no revision, and \(entity) exists (revision \(current))", "put back `revision: \(current)` and edit again"
                )
            }
            guard let n = given.numberValue, n == n.rounded(), n >= 0, n < 1e15 else {
                throw Refusal("revision must be a whole number", "put back the revision the file had", at: mark("revision"))
            }
            guard Int(n) == current else {
                throw Refusal(
                    "the file was edited from revision \(Int(n)), but \(entity) is at revision \(current) now (it changed since)",
                    "your text is kept beside the file; edit the rewritten file again", at: mark("revision"))
            }
        }

        func checkNoRevision(of entity: String) throws(Refusal) {
            guard members.contains(where: { $0.key == "revision" }) else { return }
            throw Refusal(
                "\(entity) does not exist, so the file cannot be of a revision of it", "remove `revision:` to create it",
                at: mark("revision"))
        }

        /// The file's `key` member, when given, must be its name.
        func checkName(_ key: String, is name: String) throws(Refusal) {
            guard let given = members.first(where: { $0.key == key })?.value, given != .string(name) else { return }
            throw Refusal("\(key) must be the file's name, '\(name)'", "rename the file, or remove \(key)", at: mark(key))
        }

        /// A node as JSON: scalars by their resolved tag (a timestamp stays text).
        static func json(_ node: Node) throws(Refusal) -> JSONValue {
            switch node {
            case .scalar(let scalar):
                // A quoted scalar is text; a plain one is what YAML's core schema reads it as.
                guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let n = node.int { return .number(Double(n)) }
                if let n = node.float {
                    guard n.isFinite else { throw Refusal("'\(scalar.string)' is not a finite number", "write a number", at: node.mark) }
                    return .number(n)
                }
                return .string(scalar.string)
            case .sequence(let items):
                var out: [JSONValue] = []
                for item in items { out.append(try json(item)) }
                return .array(out)
            case .mapping(let mapping):
                var out: [JSONMember] = []
                for (key, value) in mapping {
                    guard case .scalar(let name) = key else {
                        throw Refusal("a key must be plain text", "write `key: value`", at: key.mark)
                    }
                    out.append(JSONMember(name.string, try json(value)))
                }
                return .object(out)
            case .alias:
                throw Refusal("aliases are not read", "write the value out", at: node.mark)
            }
        }
    }
}
