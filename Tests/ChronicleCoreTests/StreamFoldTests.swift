import ChronicleCore
import ChronicleTesting
import Testing

/// The incremental fold of one stream (``StreamFold``), as an appender keeps it, against the
/// reference ``Fold/state(of:retracted:)`` of the events known so far.
@Suite struct StreamFoldTests {
    static let stream = StreamID(.memory, "k")
    static let start = Timestamp(rfc3339: "2025-06-01T10:00:00Z")!

    /// A random history of one stream: stores and forgets recorded one second apart, each
    /// dated now, late (up to a minute back) or in the future (up to a minute ahead), and
    /// now and then a retraction of an earlier event.
    static func history(seed: UInt64, count: Int) -> [RecordedEvent] {
        var rng = SeededRandom(state: seed &* 0x9E37_79B9 &+ 17)
        var events: [RecordedEvent] = []
        for i in 1...count {
            let recorded = start.advanced(by: Int64(i) * 1_000_000)
            let offset: Int64 =
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5: 0
                case 5..<8: -Int64.random(in: 1...60, using: &rng)
                default: Int64.random(in: 1...60, using: &rng)
                }
            let event: DomainEvent
            switch Int.random(in: 0..<10, using: &rng) {
            case 0 where !events.isEmpty:
                let target = events.randomElement(using: &rng)!
                event = target.isRetraction ? .memoryForgotten : .eventRetracted(seq: target.seq, reason: "r\(i)")
            case 1: event = .memoryForgotten
            default: event = .memoryStored(value: .string("v\(i)"), type: "semantic", category: nil, significance: nil)
            }
            events.append(
                RecordedEvent(
                    seq: Int64(i), stream: stream, streamRevision: i, validFrom: recorded.advanced(by: offset * 1_000_000),
                    recordedAt: recorded, commandID: "c-\(i)", event: event))
        }
        return events
    }

    @Test(arguments: 0..<60)
    func theIncrementalFoldAnswersAsTheReference(seed: Int) {
        let events = Self.history(seed: UInt64(seed), count: 40)
        var fold = StreamFold()
        var refolds = 0
        for (n, e) in events.enumerated() {
            let known = Array(events[...n])
            let retracted = Set(known.compactMap { if case .eventRetracted(let s, _) = $0.event { s } else { nil } })
            if fold.canApply(e) {
                fold.apply(e)
            } else {
                fold = StreamFold(live: Fold.live(known, retracted: retracted), now: e.recordedAt)
                refolds += 1
            }
            #expect(fold.entity == Fold.state(of: known, retracted: retracted), "seed \(seed), after seq \(e.seq)")
            // As of valid times around now: the fold answers, or says it needs the events.
            for back in [0, 1, 5, 30, 90] as [Int64] {
                let at = e.recordedAt.advanced(by: -back * 1_000_000)
                let reference = Fold.state(of: known.filter { $0.validFrom <= at }, retracted: retracted)
                switch fold.state(asOf: at) {
                case .state(let state): #expect(state == reference, "seed \(seed), seq \(e.seq), \(back) s back")
                case .needsEvents: #expect(at < fold.settledAt)
                }
            }
        }
        // Histories with late events and retractions take the refold path too.
        if seed == 0 { #expect(refolds > 0) }
    }

    /// The state as of now holds a future-dated change back until its time is past.
    @Test func aScheduledChangeStaysAheadUntilItsTime() {
        func stored(_ seq: Int, _ value: String, valid: Int64, recorded: Int64) -> RecordedEvent {
            RecordedEvent(
                seq: Int64(seq), stream: Self.stream, streamRevision: seq, validFrom: Self.start.advanced(by: valid * 1_000_000),
                recordedAt: Self.start.advanced(by: recorded * 1_000_000), commandID: "c",
                event: .memoryStored(value: .string(value), type: "semantic", category: nil, significance: nil))
        }
        var fold = StreamFold()
        fold.apply(stored(1, "a", valid: 0, recorded: 0))
        fold.apply(stored(2, "later", valid: 100, recorded: 1))
        #expect(fold.ahead.count == 1)
        guard case .state(let now?) = fold.state(asOf: Self.start.advanced(by: 2 * 1_000_000)) else {
            Issue.record("no state as of now")
            return
        }
        #expect(now.memory?.value == .string("a"))
        fold.apply(stored(3, "b", valid: 150, recorded: 150))
        #expect(fold.ahead.isEmpty)
        #expect(fold.entity?.memory?.value == .string("b"))
    }
}
