import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleTesting
import ChronicleViews
import GRDB
import Testing

/// A projector's state moves in place (``ProjectorState/advance()``): against the copying
/// advance of the store (`LogQuery.advance(_:to:from:)`) from the same snapshots to the same
/// point, on random histories (late, future-dated, retracted, forgotten), and undone exactly by
/// ``ProjectorState/rollBack()`` or by an advance that follows one never committed.
@Suite struct ProjectorStateTests {
    @Test(arguments: [1, 2, 3, 4])
    func anAdvanceInPlaceIsTheCopyingOneAndIsUndone(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 7_919)
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock)
        var seq = 0
        var (compared, undone, redone) = (0, 0, 0)
        for n in 0..<150 {
            let acks = try appender.append(text: RandomHistory.line(n, seq: seq, &random))
            seq += acks.filter { !$0.hasPrefix("er:") }.count
            guard Int.random(in: 0..<3, using: &random) == 0 || n == 149 else { continue }
            // A copy of its own (new storage), so that the state's streams are held by it alone
            // and really move in place.
            let before = (snapshots: state.snapshots.map(Self.copy), position: state.position)
            switch try state.advance() {
            case .idle: continue
            case .refold: state.commit(try #require(try state.fold()))
            case .changes(let folded, let changes):
                let copied = try LogQuery(log: log).advance(
                    state.kinds, to: AsOf(valid: folded.validAt, known: .position(folded.position)), from: before.snapshots)
                #expect(folded.snapshots == copied.map(\.snapshot), "seed \(seed) step \(n)")
                #expect(state.snapshots == folded.snapshots)
                // Against a replay without snapshots, and the changes against the two states.
                let point = AsOf(valid: folded.validAt, known: .position(folded.position))
                var expected: [String] = []
                for (old, new) in zip(before.snapshots, folded.snapshots) {
                    #expect(new.entities == (try LogQuery(log: log).entities(new.kind, asOf: point, useSnapshots: false)))
                    for id in Set(old.streams.keys).union(new.streams.keys).sorted()
                    where old.streams[id]?.state != new.streams[id]?.state {
                        expected.append(
                            "\(new.kind) \(id): \(String(describing: old.streams[id]?.state)) → \(String(describing: new.streams[id]?.state))"
                        )
                    }
                }
                let got = changes.map {
                    "\($0.stream.kind) \($0.stream.id): \(String(describing: $0.before)) → \(String(describing: $0.after))"
                }
                #expect(got.sorted() == expected.sorted(), "seed \(seed) step \(n)")
                compared += 1
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    state.rollBack()
                    #expect(state.snapshots == before.snapshots, "seed \(seed) step \(n): not undone")
                    #expect(state.position == before.position)
                    undone += 1
                case 1:
                    // Never committed: the next advance starts from where the view is.
                    guard case .changes(let again, let changesAgain) = try state.advance() else {
                        Issue.record("seed \(seed) step \(n): the same advance again found nothing")
                        continue
                    }
                    #expect(again.snapshots == folded.snapshots)
                    #expect(changesAgain.map(\.stream) == changes.map(\.stream))
                    #expect(changesAgain.map(\.before) == changes.map(\.before))
                    #expect(changesAgain.map(\.after) == changes.map(\.after))
                    state.commit(again)
                    redone += 1
                default:
                    state.commit(folded)
                }
            }
        }
        #expect(compared > 15 && undone > 3 && redone > 3, "\(compared) compared, \(undone) undone, \(redone) redone")
    }

    /// A fold moves its snapshots in place, chunk by chunk, from stored snapshots taken along the
    /// way: it equals a replay of the whole log without snapshots, at every point.
    @Test(arguments: [1, 2, 3])
    func aFoldInPlaceIsAReplay(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 6_151)
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let query = LogQuery(log: log)
        var seq = 0
        var compared = 0
        for n in 0..<120 {
            let acks = try appender.append(text: RandomHistory.line(n, seq: seq, &random))
            seq += acks.filter { !$0.hasPrefix("er:") }.count
            if Int.random(in: 0..<15, using: &random) == 0 { try query.takeSnapshots() }
            guard Int.random(in: 0..<4, using: &random) == 0 else { continue }
            let state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock)
            state.catchUpChunk = Int64.random(in: 1...9, using: &random)
            let folded = try #require(try state.fold())
            let point = AsOf(valid: folded.validAt, known: .position(folded.position))
            for (kind, snapshot) in zip(state.kinds, folded.snapshots) {
                let replayed = try query.entities(kind, asOf: point, useSnapshots: false)
                #expect(snapshot.entities == replayed, "seed \(seed) step \(n): \(kind)")
            }
            compared += 1
        }
        #expect(compared > 15)
    }

    /// `snapshot` with streams of its own storage.
    static func copy(_ snapshot: Snapshot) -> Snapshot {
        var out = snapshot
        out.streams = Dictionary(uniqueKeysWithValues: snapshot.streams.map { ($0.key, $0.value) })
        return out
    }

    /// An advance that cannot read an event (a damaged payload, after other streams and kinds
    /// have moved) throws and leaves the state as it was.
    @Test func anAdvanceThatThrowsLeavesTheStateAsItWas() throws {
        let (log, path) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        for line in ["ms:a|1|semantic", "ms:b|1|semantic", "tc:Auth|feature|high"] { _ = try appender.append(text: line) }
        let state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock)
        state.commit(try #require(try state.fold()))
        let before = state.snapshots.map(Self.copy)
        for line in ["su:auth_001|in_progress|0.5", "ms:a|2|semantic", "ms:b|2|semantic"] { _ = try appender.append(text: line) }
        let damaged = try log.read { tx in try tx.tail()!.seq }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET payload = X'FF00FF' WHERE seq = ?", arguments: [damaged])
        }
        #expect(throws: (any Error).self) { try state.advance() }
        #expect(state.snapshots == before)
        #expect(state.position == before.map(\.position).max())
    }

    /// The context index taken back over a batch's changes, all applied or only the first ones,
    /// lists again what it listed before.
    @Test(arguments: [1, 2, 3])
    func aContextIndexTakenBackIsWhatItWas(seed: UInt64) throws {
        var random = SeededRandom(state: seed &* 3_571)
        let (log, _) = try TestLog.temporaryLog()
        let appender = try TestLog.appender(log)
        let state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: TestLog.clock)
        state.commit(try #require(try state.fold()))
        var index = ContextIndex()
        var seq = 0
        var checked = 0
        for n in 0..<150 {
            let acks = try appender.append(text: RandomHistory.line(n, seq: seq, &random))
            seq += acks.filter { !$0.hasPrefix("er:") }.count
            guard Int.random(in: 0..<4, using: &random) == 0, case .changes(let folded, let changes) = try state.advance() else { continue }
            let files = Set(
                changes.flatMap { [$0.before?.task, $0.after?.task] }.compactMap { $0?.contextCascade.flatMap(YAMLTree.contextFile) })
            let was = try files.sorted().map { try index.bytes(of: $0) }
            var moved = index
            let applied = Int.random(in: 0...changes.count, using: &random)
            for change in changes.prefix(applied) where change.stream.kind == .task {
                _ = moved.update(from: change.before?.task, to: change.after?.task)
            }
            moved.undo(changes)
            #expect(try files.sorted().map { try moved.bytes(of: $0) } == was, "seed \(seed) step \(n)")
            for change in changes where change.stream.kind == .task { _ = index.update(from: change.before?.task, to: change.after?.task) }
            state.commit(folded)
            checked += files.isEmpty ? 0 : 1
        }
        #expect(checked > 5)
    }
}
