internal import ChronicleCore
internal import ChronicleViews

/// The commands that take a Redis keyspace (``RedisKeyspace``) from the view of some entities
/// to the view of their new states: a batch's changes, coalesced so that each key is written
/// once, whatever the number of events that touched it. Pure: changes in, commands out.
///
/// An entity's hash is replaced whole (`DEL`, `HSET`) when its state changed, and deleted when
/// the entity is gone; index memberships it left are removed (`SREM`, `ZREM`; Redis deletes a
/// set left empty), those it joined added (`SADD`, `ZADD`); a context key is rewritten from the
/// tasks it lists now, or deleted when none does. The messages published for the batch say each
/// change as a coded line (`tr:`, `su:`), in the order of the changes.
public enum RedisDelta {
    public struct Batch: Sendable, Equatable {
        /// The writes, in order, each key under the prefix.
        public var commands: [[String]] = []
        /// One coded line per entity changed.
        public var messages: [String] = []
    }

    /// The batch for `changes` under `prefix`; `contexts` is moved along with the tasks.
    /// - Complexity: O(changes + their index memberships + the context files they touch).
    public static func batch(_ changes: [ProjectorState.Change], contexts: inout ContextIndex, prefix: String) throws -> Batch {
        var batch = Batch()
        var removed: [String: [String]] = [:]
        var added: [String: [String]] = [:]
        var unscored: [String: [String]] = [:]
        var scored: [String: [(String, Double)]] = [:]
        var dirty: Set<String> = []
        for change in changes {
            // The old state's hash is replaced whole: only its key and index places are needed.
            let old = change.before.flatMap { RedisKeyspace.contribution(of: $0, fields: false) }
            let new = change.after.flatMap { RedisKeyspace.contribution(of: $0) }
            if let old, new == nil || new?.key != old.key { batch.commands.append(["DEL", prefix + old.key]) }
            if let new, change.before != change.after {
                batch.commands.append(["DEL", prefix + new.key])
                batch.commands.append(["HSET", prefix + new.key] + new.fields.flatMap { [$0.field, $0.value] })
            }
            let oldSets = Set((old?.memberships ?? []).map { "\($0.set)\u{0}\($0.member)" })
            let newSets = Set((new?.memberships ?? []).map { "\($0.set)\u{0}\($0.member)" })
            for pair in oldSets.subtracting(newSets).sorted() {
                let parts = pair.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                removed[parts[0], default: []].append(parts[1])
            }
            for pair in newSets.subtracting(oldSets).sorted() {
                let parts = pair.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                added[parts[0], default: []].append(parts[1])
            }
            for s in old?.scores ?? [] where !(new?.scores.contains { $0.sortedSet == s.sortedSet && $0.member == s.member } ?? false) {
                unscored[s.sortedSet, default: []].append(s.member)
            }
            for s in new?.scores ?? []
            where !(old?.scores.contains { $0.sortedSet == s.sortedSet && $0.member == s.member && $0.score == s.score } ?? false) {
                scored[s.sortedSet, default: []].append((s.member, s.score))
            }
            if change.stream.kind == .task { dirty.formUnion(contexts.update(from: change.before?.task, to: change.after?.task)) }
            if let message = message(change) { batch.messages.append(message) }
        }
        for (set, members) in removed.sorted(by: { $0.key < $1.key }) { batch.commands.append(["SREM", prefix + set] + members) }
        for (set, members) in added.sorted(by: { $0.key < $1.key }) { batch.commands.append(["SADD", prefix + set] + members) }
        for (set, members) in unscored.sorted(by: { $0.key < $1.key }) { batch.commands.append(["ZREM", prefix + set] + members) }
        for (set, members) in scored.sorted(by: { $0.key < $1.key }) {
            batch.commands.append(["ZADD", prefix + set] + members.flatMap { [JSONValue.format(number: $0.1), $0.0] })
        }
        for file in dirty.sorted() {
            let key = prefix + RedisKeyspace.contextKey(of: file)
            batch.commands.append(["DEL", key])
            guard let tasks = contexts.tasks(of: file), case .hash(let fields) = try RedisKeyspace.contextHash(file, listing: tasks) else {
                continue
            }
            batch.commands.append(["HSET", key] + fields.flatMap { [$0.field, $0.value] })
        }
        return batch
    }

    /// A change as a coded line, as the acks of SPEC §3 say it: a task made, `tr:`; any other
    /// state of a task or workflow, `su:ID|STATUS|PROGRESS`; a memory key, `su:memory/KEY|stored|VERSION`
    /// or `|forgotten|`; a task or workflow gone (a retracted creation), `su:ID|removed|0`.
    public static func message(_ change: ProjectorState.Change) -> String? {
        func progress(_ p: Double) -> String { JSONValue.format(number: p) }
        switch (change.before, change.after) {
        case (nil, .task(let t)?): return "tr:\(t.id)|\(progress(t.confidence))|\(t.routing)"
        case (_, .task(let t)?): return "su:\(t.id)|\(t.status.rawValue)|\(progress(t.progress))"
        case (_, .workflow(let w)?): return "su:\(w.id)|\(w.status.rawValue)|\(progress(w.progress))"
        case (_, .memory(let m)?): return "su:memory/\(m.key)|stored|\(m.version)"
        case (.memory(let m)?, nil): return "su:memory/\(m.key)|forgotten|\(m.version)"
        case (.task(let t)?, nil): return "su:\(t.id)|removed|0"
        case (.workflow(let w)?, nil): return "su:\(w.id)|removed|0"
        default: return nil
        }
    }
}
