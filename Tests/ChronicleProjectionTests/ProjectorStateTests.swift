import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleTesting
import ChronicleViews
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
            let acks = try appender.append(text: RedisDeltaTests.line(n, seq: seq, &random))
            seq += acks.filter { !$0.hasPrefix("er:") }.count
            guard Int.random(in: 0..<3, using: &random) == 0 || n == 149 else { continue }
            let before = (snapshots: state.snapshots, position: state.position)
            switch try state.advance() {
            case .idle: continue
            case .refold: state.commit(try #require(try state.fold()))
            case .changes(let folded, let changes):
                let copied = try LogQuery(log: log).advance(
                    state.kinds, to: AsOf(valid: folded.validAt, known: .position(folded.position)), from: before.snapshots)
                #expect(folded.snapshots == copied.map(\.snapshot), "seed \(seed) step \(n)")
                #expect(state.snapshots == folded.snapshots)
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
            let acks = try appender.append(text: RedisDeltaTests.line(n, seq: seq, &random))
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
}
