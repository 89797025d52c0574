internal import ChronicleCore

/// The Redis commands that load a keyspace (``RedisKeyspace``) into a server; they are sent, or
/// written in RESP for `redis-cli --pipe`, by `ChronicleRedis`'s `RedisCommandEncoding`.
public enum RESP {
    /// The commands that load the keys `keys` under `prefix` into a server: for each key, in key
    /// order, `DEL` then `HSET`, `SADD` or `ZADD` with all its contents, so that loading twice,
    /// or over an older keyspace's keys, leaves exactly `keys`.
    /// - Complexity: O(size of the keyspace), and a sort of the keys.
    public static func commands(loading keys: [String: RedisKeyspace.Value], prefix: String) -> [[String]] {
        var out: [[String]] = []
        for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
            let name = prefix + key
            out.append(["DEL", name])
            switch value {
            case .hash(let fields): out.append(["HSET", name] + fields.flatMap { [$0.field, $0.value] })
            case .set(let members): out.append(["SADD", name] + members)
            case .sortedSet(let members): out.append(["ZADD", name] + members.flatMap { [JSONValue.format(number: $0.score), $0.member] })
            }
        }
        return out
    }
}
