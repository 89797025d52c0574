import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleTesting
import ChronicleViews
import Foundation
import Testing

/// The batches a Redis projector writes, against a fresh keyspace: random histories (late,
/// future-dated, retracted and forgotten values; tasks changing status, keywords, relations and
/// context paths) advanced in batches of random sizes, each batch's commands carried out on a
/// plain dictionary (what DEL, HSET, SADD, SREM, ZADD and ZREM mean, and a set left empty
/// going), give after every batch exactly the keys `RedisKeyspace.keys` computes from a fresh
/// fold of the same point. The real server runs the same commands in the projector's tests.
@Suite struct RedisDeltaTests {
    /// What the commands of a batch leave: key → value, as `RedisKeyspace.Value`.
    struct Keys {
        var hashes: [String: [(String, String)]] = [:]
        var sets: [String: Set<String>] = [:]
        var sorted: [String: [String: Double]] = [:]

        mutating func run(_ command: [String]) {
            let key = command[1]
            switch command[0] {
            case "DEL": (hashes[key], sets[key], sorted[key]) = (nil, nil, nil)
            case "HSET":
                var fields = hashes[key] ?? []
                for i in stride(from: 2, to: command.count, by: 2) {
                    if let at = fields.firstIndex(where: { $0.0 == command[i] }) {
                        fields[at].1 = command[i + 1]
                    } else {
                        fields.append((command[i], command[i + 1]))
                    }
                }
                hashes[key] = fields
            case "SADD": sets[key, default: []].formUnion(command.dropFirst(2))
            case "SREM":
                sets[key]?.subtract(command.dropFirst(2))
                if sets[key]?.isEmpty == true { sets[key] = nil }
            case "ZADD":
                for i in stride(from: 2, to: command.count, by: 2) { sorted[key, default: [:]][command[i + 1]] = Double(command[i])! }
            case "ZREM":
                for member in command.dropFirst(2) { sorted[key]?[member] = nil }
                if sorted[key]?.isEmpty == true { sorted[key] = nil }
            default: Issue.record("unexpected command \(command[0])")
            }
        }

        var values: [String: RedisKeyspace.Value] {
            var out: [String: RedisKeyspace.Value] = [:]
            for (key, fields) in hashes { out[key] = .hash(fields.map { (field: $0.0, value: $0.1) }) }
            for (key, members) in sets { out[key] = .set(members.sorted()) }
            for (key, members) in sorted {
                out[key] = .sortedSet(members.sorted { $0.key < $1.key }.map { (member: $0.key, score: $0.value) })
            }
            return out
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func batchesGiveWhatAFreshKeyspaceHolds(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 104_729)
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock)
        var keys = Keys()
        var contexts = ContextIndex()
        var seq = 0
        var batches = 0
        for n in 0..<120 {
            let acks = try appender.append(text: RandomHistory.line(n, seq: seq, &random))
            seq += acks.filter { !$0.hasPrefix("er:") }.count
            guard Int.random(in: 0..<3, using: &random) == 0 || n == 119 else { continue }
            switch try state.advance() {
            case .idle: continue
            case .refold:
                let folded = try #require(try state.fold())
                for (key, value) in try RedisKeyspace.keys(folded.entities) {
                    for command in RESP.commands(loading: [key: value], prefix: "") { keys.run(command) }
                }
                contexts = ContextIndex(folded.entities.compactMap(\.task))
                state.commit(folded)
            case .changes(let folded, let changes):
                let batch = try RedisDelta.batch(changes, contexts: &contexts, prefix: "")
                for command in batch.commands { keys.run(command) }
                #expect(batch.messages.count == changes.count)
                state.commit(folded)
                batches += 1
            }
            let fresh = try #require(try ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock).fold())
            let expected = try RedisKeyspace.keys(fresh.entities)
            let got = keys.values
            #expect(got.keys.sorted() == expected.keys.sorted(), "seed \(seed) step \(n)")
            for (key, value) in expected where got[key] != value { Issue.record("seed \(seed) step \(n): \(key) differs") }
        }
        #expect(batches > 10)
    }
}
