public import ChronicleCore

/// One difference between two sets of states of one kind (what `chronicle diff` prints): a
/// stream that appeared, one that is gone, or one top-level field that changed.
public struct EntityChange: Sendable, Equatable {
    public enum What: Sendable, Equatable {
        case appeared(JSONValue)
        case gone(JSONValue)
        case changed(field: String, old: JSONValue?, new: JSONValue?)
    }

    /// `kind/id`.
    public var stream: String
    public var what: What

    public init(stream: String, what: What) {
        self.stream = stream
        self.what = what
    }

    /// The changes from `before` to `after` (states of `kind`, in their JSON form), streams in
    /// id order, fields in the order the states list them.
    public static func between(_ kind: EntityKind, before: [Entity], after: [Entity]) -> [EntityChange] {
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.viewID, $0.json) })
        let new = Dictionary(uniqueKeysWithValues: after.map { ($0.viewID, $0.json) })
        var changes: [EntityChange] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            let stream = "\(kind.rawValue)/\(key)"
            switch (old[key], new[key]) {
            case (nil, let n?): changes.append(EntityChange(stream: stream, what: .appeared(n)))
            case (let o?, nil): changes.append(EntityChange(stream: stream, what: .gone(o)))
            case (let o?, let n?):
                for (field, a, b) in fieldChanges(o, n) {
                    changes.append(EntityChange(stream: stream, what: .changed(field: field, old: a, new: b)))
                }
            case (nil, nil): break
            }
        }
        return changes
    }

    /// Top-level members that differ (the bookkeeping fields revision and updated_at aside),
    /// in the order of the old value's members, then the new one's.
    public static func fieldChanges(_ old: JSONValue, _ new: JSONValue) -> [(String, JSONValue?, JSONValue?)] {
        guard case .object(let a) = old, case .object(let b) = new else { return [] }
        var keys: [String] = a.map(\.key)
        for m in b where !keys.contains(m.key) { keys.append(m.key) }
        return keys.filter { $0 != "revision" && $0 != "updated_at" }.compactMap { key in
            let o = old[key], n = new[key]
            return o == n ? nil : (key, o, n)
        }
    }

    /// `+ stream`, `- stream` or `~ stream field: old → new`, with a line break.
    public var line: String {
        switch what {
        case .appeared: "+ \(stream)\n"
        case .gone: "- \(stream)\n"
        case .changed(let field, let old, let new):
            "~ \(stream) \(field): \(old?.jsonString ?? "(none)") → \(new?.jsonString ?? "(none)")\n"
        }
    }

    public var json: JSONValue {
        switch what {
        case .appeared(let v):
            .object([JSONMember("stream", .string(stream)), JSONMember("change", "appeared"), JSONMember("state", v)])
        case .gone(let v):
            .object([JSONMember("stream", .string(stream)), JSONMember("change", "gone"), JSONMember("state", v)])
        case .changed(let field, let old, let new):
            .object([
                JSONMember("stream", .string(stream)), JSONMember("change", "changed"), JSONMember("field", .string(field)),
                JSONMember("old", old ?? .null), JSONMember("new", new ?? .null),
            ])
        }
    }
}

extension Entity {
    /// The id a view names the entity by: a task's or workflow's id, a memory's key, a context's id.
    public var viewID: String {
        switch self {
        case .task(let t): t.id
        case .memory(let m): m.key
        case .workflow(let w): w.id
        case .context(let id, _, _): id
        }
    }
}
