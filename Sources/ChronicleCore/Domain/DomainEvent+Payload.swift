/// The JSON payload of each event type, and reading it back.
extension DomainEvent {
    /// The payload as stored, with members in a fixed order (so the same event is always the same bytes).
    public var payload: JSONValue {
        switch self {
        case .taskCreated(let s, let confidence, let routing):
            return .object([
                "id": s.id.map(JSONValue.string), "title": .string(s.title), "intent": .string(s.intent),
                "complexity": .string(s.complexity.rawValue), "confidence": .number(confidence),
                "routing": .string(routing), "description": s.description.map(JSONValue.string),
                "keywords": s.keywords.isEmpty ? nil : .strings(s.keywords),
                "patterns": s.patterns.isEmpty ? nil : .strings(s.patterns),
                "related": s.related.isEmpty ? nil : .strings(s.related),
                "parent": s.parent.map(JSONValue.string), "context_cascade": s.contextCascade.map(JSONValue.string),
                "estimated_effort": s.estimatedEffort.map(JSONValue.string),
            ])
        case .taskUpdated(let c):
            return .object([
                "title": c.title.map(JSONValue.string), "description": c.description.map(JSONValue.string),
                "intent": c.intent.map(JSONValue.string), "complexity": c.complexity.map { .string($0.rawValue) },
                "confidence": c.confidence.map(JSONValue.number), "keywords": c.keywords.map(JSONValue.strings),
                "patterns": c.patterns.map(JSONValue.strings), "related": c.related.map(JSONValue.strings),
                "context_cascade": c.contextCascade.map(JSONValue.string),
                "estimated_effort": c.estimatedEffort.map(JSONValue.string),
            ])
        case .taskSplitRequested(let confidence, let reason, let children):
            return .object(["confidence": .number(confidence), "reason": .string(reason), "children": .strings(children)])
        case .taskRouted(let confidence, let routing):
            return .object(["confidence": .number(confidence), "routing": .string(routing)])
        case .taskStatusChanged(let status, let progress):
            return .object(["status": .string(status.rawValue), "progress": progress.map(JSONValue.number)])
        case .taskCompleted(let result, let next):
            return .object(["result": result, "next_steps": next])
        case .taskCancelled(let reason):
            return .object(["reason": .string(reason)])
        case .taskRelated(let related):
            return .object(["related": .strings(related)])
        case .memoryStored(let value, let type, let category, let significance):
            return .object([
                "value": value, "memory_type": .string(type), "category": category.map(JSONValue.string),
                "significance": significance.map(JSONValue.number),
            ])
        case .memoryForgotten:
            return .object([])
        case .workflowStarted(let workflow, let params, let steps):
            return .object(["workflow": .string(workflow), "params": params, "steps": steps.isEmpty ? nil : .strings(steps)])
        case .workflowStepRecorded(let step, let status, let output, let error):
            return .object([
                "step": .string(step), "status": .string(status.rawValue), "output": output,
                "error": error.map(JSONValue.string),
            ])
        case .workflowStatusChanged(let status, let progress):
            return .object(["status": .string(status.rawValue), "progress": progress.map(JSONValue.number)])
        case .workflowCompleted(let result):
            return .object(["result": result])
        case .workflowCancelled(let reason):
            return .object(["reason": reason.map(JSONValue.string)])
        case .contextSummarized(let summary):
            return .object(["summary": .string(summary)])
        case .eventRetracted(let seq, let reason):
            return .object(["seq": .number(Double(seq)), "reason": .string(reason)])
        }
    }

    /// Why a stored event cannot be read back.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var type: String
        public var version: Int
        public var reason: String
        public var description: String { "event \(type) v\(version): \(reason)" }
        public init(type: String, version: Int, reason: String) {
            self.type = type
            self.version = version
            self.reason = reason
        }
    }

    /// Reads a stored event back; older payload versions are upcast to today's.
    public init(type: String, version: Int, payload stored: JSONValue) throws(DecodingError) {
        func bad(_ reason: String) -> DecodingError { DecodingError(type: type, version: version, reason: reason) }
        guard version >= 1, version <= Self.currentVersion(of: type) else { throw bad("unknown version") }
        let p = Upcast.toCurrent(type: type, version: version, payload: stored)
        func str(_ k: String) throws(DecodingError) -> String {
            guard let s = p[k]?.stringValue else { throw bad("missing \(k)") }
            return s
        }
        func optStr(_ k: String) -> String? { p[k]?.stringValue }
        // A number beyond a double's range (`1e400` reads as infinity) or a position that is
        // not a whole number ≥ 1 is a damaged row: a decoding error, never a trap. A finite
        // number is read as written (commands check their ranges before anything is stored).
        func fraction(_ n: Double, _ k: String) throws(DecodingError) -> Double {
            guard n.isFinite else { throw bad("\(k) is beyond the range of a number") }
            return n
        }
        func num(_ k: String) throws(DecodingError) -> Double {
            guard let n = p[k]?.numberValue else { throw bad("missing \(k)") }
            return try fraction(n, k)
        }
        func optNum(_ k: String) throws(DecodingError) -> Double? {
            guard let n = p[k]?.numberValue else { return nil }
            return try fraction(n, k)
        }
        func position(_ k: String) throws(DecodingError) -> Int64 {
            guard let n = p[k]?.numberValue else { throw bad("missing \(k)") }
            guard let seq = Int64(exactly: n), seq >= 1 else { throw bad("\(k) \(JSONValue.format(number: n)) is not a log position") }
            return seq
        }
        func strs(_ k: String) -> [String]? { p[k]?.arrayValue?.compactMap(\.stringValue) }
        switch type {
        case "task.created":
            guard let complexity = Complexity(rawValue: try str("complexity")) else { throw bad("bad complexity") }
            var s = TaskSpec(id: optStr("id"), title: try str("title"), intent: try str("intent"), complexity: complexity)
            s.description = optStr("description")
            s.keywords = strs("keywords") ?? []
            s.patterns = strs("patterns") ?? []
            s.related = strs("related") ?? []
            s.parent = optStr("parent")
            s.contextCascade = optStr("context_cascade")
            s.estimatedEffort = optStr("estimated_effort")
            self = .taskCreated(s, confidence: try num("confidence"), routing: try str("routing"))
        case "task.updated":
            var c = TaskChanges()
            c.title = optStr("title")
            c.description = optStr("description")
            c.intent = optStr("intent")
            c.complexity = optStr("complexity").flatMap(Complexity.init(rawValue:))
            c.confidence = try optNum("confidence")
            c.keywords = strs("keywords")
            c.patterns = strs("patterns")
            c.related = strs("related")
            c.contextCascade = optStr("context_cascade")
            c.estimatedEffort = optStr("estimated_effort")
            self = .taskUpdated(c)
        case "task.split_requested":
            self = .taskSplitRequested(confidence: try num("confidence"), reason: try str("reason"), children: strs("children") ?? [])
        case "task.routed":
            self = .taskRouted(confidence: try num("confidence"), routing: try str("routing"))
        case "task.status_changed":
            guard let status = TaskStatus(rawValue: try str("status")) else { throw bad("bad status") }
            self = .taskStatusChanged(status: status, progress: try optNum("progress"))
        case "task.completed":
            self = .taskCompleted(result: p["result"] ?? .null, nextSteps: p["next_steps"] ?? .array([]))
        case "task.cancelled":
            self = .taskCancelled(reason: optStr("reason") ?? "")
        case "task.related":
            self = .taskRelated(related: strs("related") ?? [])
        case "memory.stored":
            self = .memoryStored(
                value: p["value"] ?? .null, type: try str("memory_type"), category: optStr("category"),
                significance: try optNum("significance"))
        case "memory.forgotten":
            self = .memoryForgotten
        case "workflow.started":
            self = .workflowStarted(workflow: try str("workflow"), params: p["params"] ?? .object([]), steps: strs("steps") ?? [])
        case "workflow.step_recorded":
            guard let status = StepStatus(rawValue: try str("status")) else { throw bad("bad step status") }
            self = .workflowStepRecorded(step: try str("step"), status: status, output: p["output"], error: optStr("error"))
        case "workflow.status_changed":
            guard let status = WorkflowStatus(rawValue: try str("status")) else { throw bad("bad status") }
            self = .workflowStatusChanged(status: status, progress: try optNum("progress"))
        case "workflow.completed":
            self = .workflowCompleted(result: p["result"])
        case "workflow.cancelled":
            self = .workflowCancelled(reason: optStr("reason"))
        case "context.summarized":
            self = .contextSummarized(summary: try str("summary"))
        case "event.retracted":
            self = .eventRetracted(seq: try position("seq"), reason: optStr("reason") ?? "")
        default:
            throw bad("unknown event type")
        }
    }
}

extension DomainEvent {
    /// Appends the payload's JSON to `out`: the same bytes as `payload.write(into:)`, written
    /// without building the value first for the commonest events (the append path's encoder).
    public func writePayload(into out: inout [UInt8]) {
        switch self {
        case .memoryStored(let value, let type, let category, let significance):
            out.append(contentsOf: #"{"value":"#.utf8)
            value.write(into: &out)
            out.append(contentsOf: #","memory_type":"#.utf8)
            JSONValue.writeString(type, into: &out)
            if let category {
                out.append(contentsOf: #","category":"#.utf8)
                JSONValue.writeString(category, into: &out)
            }
            if let significance {
                out.append(contentsOf: #","significance":"#.utf8)
                JSONValue.write(number: significance, into: &out)
            }
            out.append(125)
        case .taskStatusChanged(let status, let progress):
            out.append(contentsOf: #"{"status":"#.utf8)
            JSONValue.writeString(status.rawValue, into: &out)
            if let progress {
                out.append(contentsOf: #","progress":"#.utf8)
                JSONValue.write(number: progress, into: &out)
            }
            out.append(125)
        default:
            payload.write(into: &out)
        }
    }
}
