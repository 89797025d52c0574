/// The lossless JSON form of each state, for snapshots: every field, times as µs numbers (exact:
/// far below 2^53), so that `Entity(snapshotJSON: e.snapshotJSON, kind:) == e` for every state.
/// (``Entity/json`` is the form people read; it rounds times to RFC 3339 text.)
extension Entity {
    public var snapshotJSON: JSONValue {
        switch self {
        case .task(let t):
            .object([
                "id": .string(t.id), "title": .string(t.title), "description": t.description.map(JSONValue.string),
                "intent": .string(t.intent), "complexity": .string(t.complexity.rawValue), "confidence": .number(t.confidence),
                "routing": .string(t.routing), "status": .string(t.status.rawValue), "progress": .number(t.progress),
                "keywords": .strings(t.keywords), "patterns": .strings(t.patterns), "related": .strings(t.related),
                "parent": t.parent.map(JSONValue.string), "children": .strings(t.children),
                "context_cascade": t.contextCascade.map(JSONValue.string),
                "estimated_effort": t.estimatedEffort.map(JSONValue.string), "split_reason": t.splitReason.map(JSONValue.string),
                "result": t.result, "next_steps": t.nextSteps, "cancel_reason": t.cancelReason.map(JSONValue.string),
                "created_at": .micros(t.createdAt), "updated_at": .micros(t.updatedAt), "revision": .number(Double(t.revision)),
            ])
        case .memory(let m):
            .object([
                "key": .string(m.key), "value": m.value, "type": .string(m.type), "category": m.category.map(JSONValue.string),
                "significance": m.significance.map(JSONValue.number), "version": .number(Double(m.version)),
                "valid_from": .micros(m.validFrom), "revision": .number(Double(m.revision)),
            ])
        case .workflow(let w):
            .object([
                "id": .string(w.id), "workflow": .string(w.workflow), "params": w.params, "status": .string(w.status.rawValue),
                "progress": .number(w.progress),
                "steps": .array(
                    w.steps.map { s in
                        .object([
                            "name": .string(s.name), "status": s.status.map { .string($0.rawValue) }, "output": s.output,
                            "error": s.error.map(JSONValue.string),
                        ])
                    }),
                "result": w.result, "cancel_reason": w.cancelReason.map(JSONValue.string), "started_at": .micros(w.startedAt),
                "updated_at": .micros(w.updatedAt), "revision": .number(Double(w.revision)),
            ])
        case .context(let id, let summary, let revision):
            .object(["id": .string(id), "summary": .string(summary), "revision": .number(Double(revision))])
        }
    }

    /// The state `snapshotJSON` wrote for a stream of `kind`; nil when `json` is not such a state.
    public init?(snapshotJSON json: JSONValue, kind: EntityKind) {
        let r = SnapshotReader(json)
        switch kind {
        case .task:
            guard let id = r.string("id"), let title = r.string("title"), let intent = r.string("intent"),
                let complexity = r.string("complexity").flatMap(Complexity.init(rawValue:)), let confidence = r.number("confidence"),
                let routing = r.string("routing"), let status = r.string("status").flatMap(TaskStatus.init(rawValue:)),
                let progress = r.number("progress"), let keywords = r.strings("keywords"), let patterns = r.strings("patterns"),
                let related = r.strings("related"), let children = r.strings("children"), let createdAt = r.time("created_at"),
                let updatedAt = r.time("updated_at"), let revision = r.int("revision")
            else { return nil }
            var t = TaskState(
                id: id, title: title, intent: intent, complexity: complexity, confidence: confidence, routing: routing,
                createdAt: createdAt, revision: revision)
            t.description = r.string("description")
            t.status = status
            t.progress = progress
            t.keywords = keywords
            t.patterns = patterns
            t.related = related
            t.parent = r.string("parent")
            t.children = children
            t.contextCascade = r.string("context_cascade")
            t.estimatedEffort = r.string("estimated_effort")
            t.splitReason = r.string("split_reason")
            t.result = json["result"]
            t.nextSteps = json["next_steps"]
            t.cancelReason = r.string("cancel_reason")
            t.updatedAt = updatedAt
            self = .task(t)
        case .memory:
            guard let key = r.string("key"), let value = json["value"], let type = r.string("type"), let version = r.int("version"),
                let validFrom = r.time("valid_from"), let revision = r.int("revision")
            else { return nil }
            self = .memory(
                MemoryState(
                    key: key, value: value, type: type, category: r.string("category"), significance: r.number("significance"),
                    version: version, validFrom: validFrom, revision: revision))
        case .workflow:
            guard let id = r.string("id"), let workflow = r.string("workflow"), let params = json["params"],
                let status = r.string("status").flatMap(WorkflowStatus.init(rawValue:)), let progress = r.number("progress"),
                let stepsJSON = json["steps"]?.arrayValue, let startedAt = r.time("started_at"), let updatedAt = r.time("updated_at"),
                let revision = r.int("revision")
            else { return nil }
            var steps: [WorkflowState.Step] = []
            for s in stepsJSON {
                let sr = SnapshotReader(s)
                guard let name = sr.string("name") else { return nil }
                var step = WorkflowState.Step(name: name)
                if let text = sr.string("status") {
                    guard let status = StepStatus(rawValue: text) else { return nil }
                    step.status = status
                }
                step.output = s["output"]
                step.error = sr.string("error")
                steps.append(step)
            }
            var w = WorkflowState(
                id: id, workflow: workflow, params: params, steps: steps, startedAt: startedAt, updatedAt: updatedAt, revision: revision)
            w.status = status
            w.progress = progress
            w.result = json["result"]
            w.cancelReason = r.string("cancel_reason")
            self = .workflow(w)
        case .context:
            guard let id = r.string("id"), let summary = r.string("summary"), let revision = r.int("revision") else { return nil }
            self = .context(id: id, summary: summary, revision: revision)
        }
    }
}

extension JSONValue {
    /// A time as µs: a number when a double holds it exactly (until the year 2255), else its
    /// digits as a string (the log takes valid times up to the year 9999).
    static func micros(_ t: Timestamp) -> JSONValue {
        let exact: Int64 = 1 << 53
        return t.microseconds > -exact && t.microseconds < exact ? .number(Double(t.microseconds)) : .string(String(t.microseconds))
    }

    /// The µs ``micros(_:)`` wrote; nil for anything else.
    var microsValue: Int64? {
        switch self {
        case .number(let n): return Int64(exactly: n)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }
}

/// Typed member reads of a snapshot object.
private struct SnapshotReader {
    let json: JSONValue
    init(_ json: JSONValue) { self.json = json }

    func string(_ key: String) -> String? { json[key]?.stringValue }
    func number(_ key: String) -> Double? { json[key]?.numberValue }
    func int(_ key: String) -> Int? { number(key).flatMap { Int(exactly: $0) } }
    func time(_ key: String) -> Timestamp? { json[key]?.microsValue.map(Timestamp.init(microseconds:)) }
    func strings(_ key: String) -> [String]? {
        guard let items = json[key]?.arrayValue else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let s = item.stringValue else { return nil }
            out.append(s)
        }
        return out
    }
}
