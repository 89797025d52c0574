public import ChronicleCore

/// The Redis view (SPEC §5) as a pure function of the entities as of one point: the keys the
/// frontend reads, each with its type and contents, before any prefix.
///
/// | key | type | contents |
/// |---|---|---|
/// | `tasks:{id}` | hash | the task's fields as `query` shows them (texts as they are; numbers, lists and objects as JSON) |
/// | `workflows:{id}` | hash | the workflow instance's fields, likewise |
/// | `memory:{key}` | hash | `value` (JSON), `type`, `category`, `significance`, `version`, `valid_from`, `revision` |
/// | `contexts:{path}` | hash | `content`: the bytes of the YAML tree's context file `contexts/{path}.yaml` (`/` as `:`), `modified`: the newest `updated_at` of its tasks |
/// | `idx:intent:{intent}`, `idx:status:{status}`, `idx:keyword:{keyword}` | set | task ids |
/// | `idx:confidence` | sorted set | task ids, scored by confidence |
/// | `idx:related:{id}` | set | the ids of the tasks that name `{id}` as related |
///
/// An entity's own key and its places in the indexes are its *contribution*; the keyspace is
/// the union of all contributions and the context keys. A sink that applies only what changed
/// compares an entity's contribution before and after.
public enum RedisKeyspace {
    /// The view's version: a change of any key's form is a new version, and the keyspace is rebuilt.
    public static let version = 1

    /// The kinds that have keys (context loads have none).
    public static let kinds: [EntityKind] = [.task, .workflow, .memory]

    /// A key's value.
    public enum Value: Sendable, Equatable {
        /// Fields in the view's order.
        case hash([(field: String, value: String)])
        /// Members, sorted.
        case set([String])
        /// Members with their scores, sorted by member.
        case sortedSet([(member: String, score: Double)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.hash(let x), .hash(let y)): x.elementsEqual(y) { $0.field == $1.field && $0.value == $1.value }
            case (.set(let x), .set(let y)): x == y
            case (.sortedSet(let x), .sortedSet(let y)): x.elementsEqual(y) { $0.member == $1.member && $0.score == $1.score }
            default: false
            }
        }
    }

    /// What one entity puts in the keyspace: its hash, and its memberships of index sets and
    /// sorted sets.
    public struct Contribution: Sendable, Equatable {
        public var key: String
        public var fields: [(field: String, value: String)]
        /// Set key → member.
        public var memberships: [(set: String, member: String)] = []
        /// Sorted-set key → member and score.
        public var scores: [(sortedSet: String, member: String, score: Double)] = []

        public static func == (a: Contribution, b: Contribution) -> Bool {
            a.key == b.key && a.fields.elementsEqual(b.fields) { $0.field == $1.field && $0.value == $1.value }
                && a.memberships.elementsEqual(b.memberships) { $0.set == $1.set && $0.member == $1.member }
                && a.scores.elementsEqual(b.scores) { $0.sortedSet == $1.sortedSet && $0.member == $1.member && $0.score == $1.score }
        }
    }

    /// The contribution of `entity`; nil for a context load, or an id that breaks the rules.
    /// Without its hash's fields (`fields` empty) when `withFields` is false: what a sink
    /// replacing the entity needs to know of its old state (the fields are the costly part).
    public static func contribution(of entity: Entity, fields withFields: Bool = true) -> Contribution? {
        switch entity {
        case .task(let t):
            guard Identifier.isValid(t.id) else { return nil }
            var c = Contribution(key: "tasks:\(t.id)", fields: withFields ? fields(of: t.json, leaving: ["id"]) : [])
            c.memberships.append(("idx:intent:\(t.intent)", t.id))
            c.memberships.append(("idx:status:\(t.status.rawValue)", t.id))
            for keyword in Set(t.keywords).sorted() { c.memberships.append(("idx:keyword:\(keyword)", t.id)) }
            for related in Set(t.related).sorted() { c.memberships.append(("idx:related:\(related)", t.id)) }
            c.scores.append(("idx:confidence", t.id, t.confidence))
            return c
        case .workflow(let w):
            guard Identifier.isValid(w.id) else { return nil }
            return Contribution(key: "workflows:\(w.id)", fields: withFields ? fields(of: w.json, leaving: ["id"]) : [])
        case .memory(let m):
            guard Identifier.isValid(m.key) else { return nil }
            guard withFields else { return Contribution(key: "memory:\(m.key)", fields: []) }
            var f = fields(of: m.json, leaving: ["key"])
            // The value is always JSON (a text "1" and the number 1 differ); the type is `type`.
            for i in f.indices {
                if f[i].field == "value" { f[i].value = m.value.canonical.jsonString }
                if f[i].field == "memory_type" { f[i].field = "type" }
            }
            return Contribution(key: "memory:\(m.key)", fields: f)
        case .context:
            return nil
        }
    }

    /// The key mirroring the YAML tree's context file `file` (`contexts/agents/dev/x.yaml` →
    /// `contexts:agents:dev:x`).
    public static func contextKey(of file: String) -> String {
        let path = file.hasSuffix(".yaml") ? String(file.dropLast(5)) : file
        return path.split(separator: "/", omittingEmptySubsequences: false).joined(separator: ":")
    }

    /// The hash of the context file `file` listing `tasks`: the YAML tree's bytes of that file,
    /// and the newest `updated_at` among the tasks.
    public static func contextHash(_ file: String, listing tasks: [TaskState]) throws -> Value {
        let content = String(decoding: try YAMLTree.contextFile(file, listing: tasks), as: UTF8.self)
        let modified = tasks.map(\.updatedAt).max().map(\.rfc3339) ?? ""
        return .hash([("content", content), ("modified", modified)])
    }

    /// Every key of the view for `entities`, by key.
    /// - Complexity: O(entities + index memberships), and a sort of each index's members.
    public static func keys(_ entities: [Entity]) throws -> [String: Value] {
        var out: [String: Value] = [:]
        var sets: [String: Set<String>] = [:]
        var sorted: [String: [String: Double]] = [:]
        var tasksByFile: [String: [TaskState]] = [:]
        for entity in entities {
            guard let c = contribution(of: entity) else { continue }
            out[c.key] = .hash(c.fields)
            for (set, member) in c.memberships { sets[set, default: []].insert(member) }
            for (key, member, score) in c.scores { sorted[key, default: [:]][member] = score }
            if case .task(let t) = entity, let cascade = t.contextCascade, let file = YAMLTree.contextFile(cascade) {
                tasksByFile[file, default: []].append(t)
            }
        }
        for (key, members) in sets { out[key] = .set(members.sorted()) }
        for (key, members) in sorted { out[key] = .sortedSet(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
        for (file, tasks) in tasksByFile { out[contextKey(of: file)] = try contextHash(file, listing: tasks) }
        return out
    }

    /// The families of the view's keys: under a prefix, the view owns the keys whose rest
    /// starts with one of these, and no other key (the projector's own `chronicle:` keys aside).
    /// With the empty prefix, `tenant1:tasks:t1` or `app:setting` is not the view's.
    public static let families = ["tasks:", "workflows:", "memory:", "contexts:", "idx:"]

    /// Whether `bare` (a key with the prefix taken off) is one of the view's.
    public static func isViewKey(_ bare: some StringProtocol) -> Bool { families.contains { bare.hasPrefix($0) } }

    /// Why `prefix` cannot hold a view, or nil. A prefix holding a family's name (`a:tasks:`,
    /// `idx:tenant:`) would put its keys inside the view of a shorter prefix (`a:`, the empty
    /// one), which owns the keys of its families and would delete them as its own.
    public static func problem(ofPrefix prefix: String) -> String? {
        if prefix.hasPrefix("chronicle-rebuild-") {
            return "the prefix '\(prefix)' is the projector's own: rebuilds are built under chronicle-rebuild-PID: (choose another)"
        }
        guard let family = families.first(where: { prefix.contains($0) }) else { return nil }
        return
            "the prefix '\(prefix)' holds '\(family)': its keys would lie inside the view of the prefix before it; choose one without tasks:, workflows:, memory:, contexts: or idx:"
    }

    /// The key of the checkpoint, under the prefix: a hash of the log's identity, the view and
    /// its version, the last position applied and the valid time it is as of.
    public static let checkpointKey = "chronicle:checkpoint"

    /// The channel each applied change is published on, under the prefix.
    public static let changesChannel = "chronicle:changes"

    /// The checkpoint's hash.
    public static func checkpoint(log: String, seq: Int64, validAt: Timestamp) -> Value {
        .hash([("log", log), ("view", "redis"), ("version", String(version)), ("seq", String(seq)), ("valid_at", validAt.rfc3339)])
    }

    /// An object's members as hash fields: texts as they are, everything else as JSON; absent
    /// (null) members left out.
    static func fields(of json: JSONValue, leaving out: Set<String>) -> [(field: String, value: String)] {
        (json.objectMembers ?? []).compactMap { m in
            guard !out.contains(m.key) else { return nil }
            switch m.value {
            case .null: return nil
            case .string(let s): return (m.key, s)
            case .number(let n): return (m.key, JSONValue.format(number: n))
            case let other: return (m.key, other.canonical.jsonString)
            }
        }
    }
}
