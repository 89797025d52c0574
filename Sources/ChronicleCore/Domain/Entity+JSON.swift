/// The JSON form of each state, with members in a fixed order (queries, `cl:…|full`, projections).
extension TaskState {
    public var json: JSONValue {
        .object([
            "id": .string(id), "title": .string(title), "description": description.map(JSONValue.string),
            "status": .string(status.rawValue), "progress": .number(progress), "intent": .string(intent),
            "complexity": .string(complexity.rawValue), "confidence": .number(confidence), "routing": .string(routing),
            "keywords": .strings(keywords), "patterns": .strings(patterns), "related": .strings(related),
            "parent": parent.map(JSONValue.string), "children": .strings(children),
            "context_cascade": contextCascade.map(JSONValue.string), "estimated_effort": estimatedEffort.map(JSONValue.string),
            "split_reason": splitReason.map(JSONValue.string), "result": result, "next_steps": nextSteps,
            "cancel_reason": cancelReason.map(JSONValue.string),
            "created_at": .string(createdAt.rfc3339), "updated_at": .string(updatedAt.rfc3339),
            "revision": .number(Double(revision)),
        ])
    }
}

extension MemoryState {
    public var json: JSONValue {
        .object([
            "key": .string(key), "value": value, "memory_type": .string(type), "category": category.map(JSONValue.string),
            "significance": significance.map(JSONValue.number), "version": .number(Double(version)),
            "valid_from": .string(validFrom.rfc3339), "revision": .number(Double(revision)),
        ])
    }
}

extension WorkflowState {
    public var json: JSONValue {
        .object([
            "id": .string(id), "workflow": .string(workflow), "status": .string(status.rawValue),
            "progress": .number(progress), "params": params,
            "steps": .array(
                steps.map { step in
                    .object([
                        "name": .string(step.name), "status": step.status.map { .string($0.rawValue) },
                        "output": step.output, "error": step.error.map(JSONValue.string),
                    ])
                }),
            "result": result, "cancel_reason": cancelReason.map(JSONValue.string),
            "started_at": .string(startedAt.rfc3339), "updated_at": .string(updatedAt.rfc3339),
            "revision": .number(Double(revision)),
        ])
    }
}

extension Entity {
    public var json: JSONValue {
        switch self {
        case .task(let t): t.json
        case .memory(let m): m.json
        case .workflow(let w): w.json
        case .context(let id, let summary, let revision):
            .object(["id": .string(id), "summary": .string(summary), "revision": .number(Double(revision))])
        }
    }
}
