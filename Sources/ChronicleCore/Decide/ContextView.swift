/// What `cl:{context_id}|{depth}` answers: a one-line summary, or the whole state as JSON.
public enum ContextView {
    /// The answer for `id`, looked up as a task, a workflow instance, a memory key, a summarized
    /// context, a `kind/id` stream, or a context-cascade path named by tasks; nil when none exists.
    public static func render(_ id: String, depth: ContextDepth, in s: DecisionState) -> JSONValue? {
        let candidates: [StreamID] = StreamID(id).map { [$0] } ?? EntityKind.allCases.map { StreamID($0, id) }
        for stream in candidates {
            guard let entity = s.entities[stream] else { continue }
            return depth == .full ? entity.json : .string(summary(entity))
        }
        guard !s.cascadeTasks.isEmpty else { return nil }
        if depth == .full { return .object(["path": .string(id), "tasks": .array(s.cascadeTasks.map(\.json))]) }
        let list = s.cascadeTasks.map { "\($0.id) (\($0.status.rawValue))" }.joined(separator: ", ")
        return .string("\(s.cascadeTasks.count) task\(s.cascadeTasks.count == 1 ? "" : "s"): \(list)")
    }

    public static func summary(_ entity: Entity) -> String {
        switch entity {
        case .task(let t):
            return
                "task \(t.title): \(t.status.rawValue), progress \(JSONValue.format(number: t.progress)), intent \(t.intent), complexity \(t.complexity.rawValue), confidence \(JSONValue.format(number: t.confidence)), routing \(t.routing)"
        case .memory(let m):
            let value = m.value.stringValue ?? m.value.jsonString
            return "memory \(m.key) = \(value) (\(m.type), version \(m.version))"
        case .workflow(let w):
            let done = w.steps.filter { $0.status == .completed }.count
            return
                "workflow \(w.workflow): \(w.status.rawValue), progress \(JSONValue.format(number: w.progress)), \(done)/\(w.steps.count) steps"
        case .context(_, let summary, _):
            return summary
        }
    }
}
