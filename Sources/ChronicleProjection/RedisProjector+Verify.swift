internal import ChronicleCore
internal import ChronicleRedis
internal import ChronicleStore
internal import ChronicleViews

extension RedisProjector {
    /// What differs between the keyspace under the prefix and a fresh build of the view as of
    /// the point its checkpoint names (the log's head as of now when it has none): one line per
    /// key missing, extra, of another type, or holding other fields, members or scores.
    /// `repair`: then makes the differing keys what the fresh view holds, in one transaction.
    /// - Complexity: O(keys under the prefix + the view), read with pipelined commands.
    public func verify(repair: Bool) throws -> [String] {
        // A repair writes: one writer per keyspace.
        if repair { try takeLock() }
        let checkpoint = try storedCheckpoint()
        let point =
            try checkpoint.map { (position: $0.seq, validAt: $0.validAt) }
            ?? (position: log.read { tx in try tx.tail()?.seq } ?? 0, validAt: try state.now())
        guard let folded = try state.fold(position: point.position, validAt: point.validAt) else { return [] }
        let expected = try RedisKeyspace.keys(folded.entities)
        let found = try liveKeys()
        var problems: [String] = []
        var fixes: [[String]] = []
        for key in Set(expected.keys).union(found.keys).sorted() {
            let want = expected[key], have = found[key]
            guard let problem = Self.difference(key, want: want, have: have) else { continue }
            problems.append(problem)
            fixes.append(["DEL", prefix + key])
            if let want { fixes += RESP.commands(loading: [key: want], prefix: prefix).filter { $0[0] != "DEL" } }
        }
        if checkpoint == nil {
            problems.append("\(RedisKeyspace.checkpointKey): missing (the keyspace was never built, or the server lost it)")
        }
        if repair && !problems.isEmpty {
            try transaction(fixes + [checkpointCommand(seq: folded.position, validAt: folded.validAt)])
        }
        return problems
    }

    /// The view's keys under the prefix as the server holds it (those of its families: not the
    /// projector's own `chronicle:` keys, nor another prefix's or application's), read with
    /// pipelined commands.
    private func liveKeys() throws -> [String: RedisKeyspace.Value] {
        let names = try keys(under: prefix).filter { RedisKeyspace.isViewKey($0.dropFirst(prefix.count)) }
        var out: [String: RedisKeyspace.Value] = [:]
        let connection = try connected()
        for chunk in stride(from: 0, to: names.count, by: 1_000).map({ Array(names[$0..<min(names.count, $0 + 1_000)]) }) {
            let types = try connection.send(chunk.map { ["TYPE", $0] })
            let reads = zip(chunk, types).map { name, type -> [String] in
                switch type.string {
                case "hash": ["HGETALL", name]
                case "set": ["SMEMBERS", name]
                case "zset": ["ZRANGE", name, "0", "-1", "WITHSCORES"]
                default: ["TYPE", name]
                }
            }
            for (name, (type, reply)) in zip(chunk, zip(types, try connection.send(reads))) {
                let items = (reply.array ?? []).map { $0.string ?? "" }
                let bare = String(name.dropFirst(prefix.count))
                switch type.string {
                case "hash": out[bare] = .hash(stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) })
                case "set": out[bare] = .set(items.sorted())
                case "zset":
                    out[bare] = .sortedSet(
                        stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], Double(items[$0 + 1]) ?? .nan) }.sorted {
                            $0.0 < $1.0
                        }
                        .map { (member: $0.0, score: $0.1) })
                default: out[bare] = .hash([("(type)", type.string ?? "?")])
                }
            }
        }
        return out
    }

    /// How `have` differs from `want` at `key`, in one line; nil when they agree.
    static func difference(_ key: String, want: RedisKeyspace.Value?, have: RedisKeyspace.Value?) -> String? {
        switch (want, have) {
        case (nil, nil): return nil
        case (_?, nil): return "\(key): missing"
        case (nil, _?): return "\(key): not in the view (left behind)"
        case (.hash(let w)?, .hash(let h)?):
            let wd = Dictionary(w.map { ($0.field, $0.value) }, uniquingKeysWith: { $1 })
            let hd = Dictionary(h.map { ($0.field, $0.value) }, uniquingKeysWith: { $1 })
            let fields = Set(wd.keys).union(hd.keys).sorted().filter { wd[$0] != hd[$0] }
            guard !fields.isEmpty else { return nil }
            // A value of several lines or a long one (a context file's content) is told by its size.
            func shown(_ value: String?, absent: String) -> String {
                guard let value else { return absent }
                return value.contains("\n") || value.count > 80 ? "\(value.utf8.count) bytes" : "'\(value)'"
            }
            return "\(key): "
                + fields.map { f in "\(f) is \(shown(hd[f], absent: "missing")), the view has \(shown(wd[f], absent: "none"))" }
                .joined(separator: "; ")
        case (.set(let w)?, .set(let h)?):
            guard w != h else { return nil }
            let missing = Set(w).subtracting(h).sorted(), extra = Set(h).subtracting(w).sorted()
            return "\(key): members missing \(missing), members extra \(extra)"
        case (.sortedSet(let w)?, .sortedSet(let h)?):
            guard !w.elementsEqual(h, by: { $0.member == $1.member && $0.score == $1.score }) else { return nil }
            return "\(key): members or scores differ"
        default: return "\(key): of another type than the view's"
        }
    }
}
