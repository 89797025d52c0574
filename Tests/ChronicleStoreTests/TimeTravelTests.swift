import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

@testable import ChronicleStore

/// SPEC §2's contract, written for clarity, not speed: over *all* events of the log, keep those
/// known at K (recorded by then, not retracted by a retraction recorded by then), of the stream,
/// with valid time ≤ V; fold them in (valid_from, seq) order.
enum Reference {
    static func state(_ all: [RecordedEvent], _ stream: StreamID, valid: Timestamp, known: KnownAt) -> Entity? {
        let knownEvents = all.filter { known.knows($0) }
        var retracted: Set<Int64> = []
        for e in knownEvents {
            if case .eventRetracted(let seq, _) = e.event { retracted.insert(seq) }
        }
        let folded = knownEvents.filter { e in
            e.stream == stream && !e.isRetraction && !retracted.contains(e.seq) && e.validFrom <= valid
        }.sorted { a, b in a.validFrom < b.validFrom || (a.validFrom == b.validFrom && a.seq < b.seq) }
        var state: Entity?
        for e in folded { state = Entity.evolve(state, e) }
        return state
    }
}

extension Reference {
    /// Every entity of `kind` the log ever named that exists as of (valid, known), in id order.
    static func entities(_ all: [RecordedEvent], _ kind: EntityKind, valid: Timestamp, known: KnownAt) -> [Entity] {
        Set(all.map(\.stream)).filter { $0.kind == kind }.sorted { $0.id < $1.id }.compactMap {
            state(all, $0, valid: valid, known: known)
        }
    }
}

@Suite struct TimeTravelTests {
    static let start = TestLog.clockStart
    static let hour: Int64 = 3_600_000_000

    /// Valid times on a coarse grid around the clock's start (past and future, with ties).
    static func validTime(_ rng: inout SeededRandom) -> Timestamp {
        start.advanced(by: Int64.random(in: -48...48, using: &rng) * hour)
    }

    /// One random history: tasks, memory keys and workflows changed at random valid times,
    /// some lines late, some future-dated, some retracting earlier events.
    static func history(seed: UInt64, commands: Int) -> String {
        var rng = SeededRandom(state: seed)
        var lines: [String] = []
        var seq = 0
        for _ in 0..<commands {
            let at = Bool.random(using: &rng) ? validTime(&rng) : nil
            // The valid time: an envelope before a coded line, a member of a JSON one.
            let valid = at.map { "[valid=\($0.rfc3339)] " } ?? ""
            let validMember = at.map { #""valid_at":"\#($0.rfc3339)","# } ?? ""
            let task = "t\(Int.random(in: 0..<3, using: &rng))"
            let key = "k\(Int.random(in: 0..<3, using: &rng))"
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                lines.append(
                    #"{\#(validMember)"cmd":"task.create","id":"\#(task)","title":"Task \#(task)","intent":"feature","complexity":"low"}"#)
            case 1, 2:
                let status = ["pending", "in_progress", "blocked", "completed", "cancelled"].randomElement(using: &rng)!
                lines.append(valid + "su:\(task)|\(status)|0.\(Int.random(in: 1...9, using: &rng))")
            case 3:
                lines.append(
                    #"{\#(validMember)"cmd":"task.update","id":"\#(task)","set":{"title":"Renamed \#(Int.random(in: 0..<99, using: &rng))"}}"#
                )
            case 4, 5:
                lines.append(valid + "ms:\(key)|v\(Int.random(in: 0..<99, using: &rng))|semantic")
            case 6:
                lines.append(#"{\#(validMember)"cmd":"memory.forget","key":"\#(key)"}"#)
            case 7:
                lines.append(valid + "wf:deploy|{n:\(Int.random(in: 0..<9, using: &rng))}")
            case 8:
                lines.append(valid + "su:deploy_001|\(["running", "completed", "failed"].randomElement(using: &rng)!)|0.5")
            default:
                // A position somewhere in the log so far (about one event per line; some lines fail).
                if seq > 0 {
                    lines.append(#"{"cmd":"event.retract","seq":\#(Int.random(in: 1...max(1, seq / 2), using: &rng)),"reason":"r"}"#)
                }
            }
            seq += 1
        }
        return lines.joined(separator: "\n")
    }

    static let streams: [StreamID] =
        (0..<3).map { StreamID(.task, "t\($0)") } + (0..<3).map { StreamID(.memory, "k\($0)") } + [
            StreamID(.workflow, "deploy_001"), StreamID(.workflow, "deploy_002"), StreamID(.task, "never"),
        ]

    /// A random (valid, known) point: valid anywhere on the grid or beyond it; known at a time
    /// before, within or after the recorded span, or at a log position.
    static func point(_ rng: inout SeededRandom, maxSeq: Int64, commands: Int) -> AsOf {
        let valid = Bool.random(using: &rng) ? validTime(&rng) : start.advanced(by: Int64.random(in: -60...60, using: &rng) * hour)
        let known: KnownAt =
            Bool.random(using: &rng)
            ? .position(Int64.random(in: 0...maxSeq + 1, using: &rng))
            : .time(start.advanced(by: Int64.random(in: -1...Int64(commands) + 1, using: &rng) * FixedClock.step))
        return AsOf(valid: valid, known: known)
    }

    @Test(arguments: 1...30)
    func everyAnswerEqualsTheNaiveFold(seed: Int) throws {
        let log = try TestLog.inMemory()
        let commands = 120
        _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed), commands: commands))
        let all = try log.events()
        #expect(all.count > 30)
        #expect(all.contains { $0.isRetraction })
        #expect(all.contains { $0.validFrom < $0.recordedAt } && all.contains { $0.validFrom > $0.recordedAt })
        let query = LogQuery(log: log)
        var rng = SeededRandom(state: UInt64(seed) &* 7_919)
        let maxSeq = all.last?.seq ?? 0
        for _ in 0..<60 {
            let p = Self.point(&rng, maxSeq: maxSeq, commands: commands)
            for stream in Self.streams {
                let expected = Reference.state(all, stream, valid: p.valid, known: p.known)
                #expect(try query.entity(stream, asOf: p) == expected, "\(stream) as of valid \(p.valid), known \(p.known)")
            }
            for kind in [EntityKind.task, .memory, .workflow] {
                // Every stream of the kind the log ever named, in id order.
                let expected = Reference.entities(all, kind, valid: p.valid, known: p.known)
                #expect(try query.entities(kind, asOf: p) == expected, "\(kind) as of valid \(p.valid), known \(p.known)")
            }
        }
    }

    /// Snapshots are a cache: with snapshots stored at random positions and valid times (each
    /// built from the ones before it), every collection answer equals the naive fold, equals the
    /// answer without snapshots, and stays the same once they are deleted.
    @Test(arguments: 1...30)
    func snapshotsChangeNoAnswer(seed: Int) throws {
        let log = try TestLog.inMemory()
        let commands = 160
        _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed) + 9_000, commands: commands))
        let all = try log.events()
        let query = LogQuery(log: log)
        var rng = SeededRandom(state: UInt64(seed) &* 31_337)
        let maxSeq = all.last!.seq
        for _ in 0..<5 {
            let position = Int64.random(in: 1...maxSeq, using: &rng)
            // Half at the recorded time of the position (what automatic snapshots use), half anywhere.
            let validAt = Bool.random(using: &rng) ? nil : Self.validTime(&rng)
            for snapshot in try query.takeSnapshots(at: position, validAt: validAt) {
                #expect(Snapshot(binary: snapshot.binary) == snapshot, "the binary form of \(snapshot.kind) at #\(position) reads back")
                // Damaged: cut anywhere, or one byte changed, it reads as no snapshot or as some
                // snapshot, never a crash.
                let bytes = snapshot.binary
                for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
                    #expect(Snapshot(binary: Array(bytes[..<cut])) == nil, "cut at \(cut) of \(bytes.count)")
                    var flipped = bytes
                    flipped[cut] ^= 0xA5
                    _ = Snapshot(binary: flipped)
                }
                let stored = try log.read { try $0.newestSnapshot(of: snapshot.kind, usableAt: snapshot.validAt, position: position) }
                #expect(stored == snapshot, "the stored \(snapshot.kind) snapshot at #\(position) reads back")
            }
        }
        var fromSnapshot = 0, refolded = 0
        var points: [AsOf] = []
        for _ in 0..<60 { points.append(Self.point(&rng, maxSeq: maxSeq, commands: commands)) }
        for p in points {
            for kind in [EntityKind.task, .memory, .workflow] {
                let expected = Reference.entities(all, kind, valid: p.valid, known: p.known)
                let (answer, plan) = try query.entitiesAndPlan(kind, asOf: p)
                #expect(answer == expected, "\(kind) as of valid \(p.valid), known \(p.known), from snapshot \(plan)")
                #expect(try query.entities(kind, asOf: p, useSnapshots: false) == expected)
                if plan.snapshot != nil { fromSnapshot += 1 }
                refolded += plan.refolded
            }
        }
        // The snapshots were used, and both ways on from them (streams carried on, streams refolded).
        #expect(fromSnapshot > 0)
        #expect(refolded > 0 || seed % 3 != 0)
        #expect(try log.write { try $0.deleteSnapshots() } > 0)
        for p in points.prefix(20) {
            for kind in [EntityKind.task, .memory, .workflow] {
                let expected = Reference.entities(all, kind, valid: p.valid, known: p.known)
                let (answer, plan) = try query.entitiesAndPlan(kind, asOf: p)
                #expect(plan.snapshot == nil)
                #expect(answer == expected)
            }
        }
    }

    /// A full replay gives, per kind, the snapshot the empty one advances to (states, frontiers,
    /// pending events) and the naive fold's entities, whatever the pass size and thread count,
    /// and for any set of kinds (one between two asked for is skipped, not mistaken), in one
    /// scan or in one shared by two threads.
    @Test(arguments: 1...20)
    func aReplayIsTheEmptySnapshotAdvanced(seed: Int) throws {
        // In a file, a scan can be shared by two connections; in memory it cannot.
        let log = seed % 2 == 0 ? try TestLog.temporaryLog().0 : try TestLog.inMemory()
        let commands = 140
        _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed) + 13_000, commands: commands))
        let all = try log.events()
        var rng = SeededRandom(state: UInt64(seed) &* 65_537)
        let maxSeq = all.last!.seq
        var passes = 0
        for _ in 0..<12 {
            let position = Int64.random(in: 0...maxSeq + 2, using: &rng)
            let valid = Bool.random(using: &rng) ? Self.validTime(&rng) : all[Int(min(max(position, 1), maxSeq)) - 1].recordedAt
            let replay = Replay(
                eventsPerPass: [1, 3, 20, 1_000_000].randomElement(using: &rng)!, threads: Int.random(in: 1...3, using: &rng),
                twoThreadScanFrom: Bool.random(using: &rng) ? 0 : 1_000_000)
            let kinds =
                [[.task, .memory, .workflow], [.workflow, .memory], [.memory], [.task, .task]].randomElement(using: &rng)! as [EntityKind]
            let (snapshots, report) = try log.read { tx in try replay.run(kinds, validAt: valid, position: min(position, maxSeq), tx) }
            passes += report.passes
            #expect(snapshots.map(\.kind) == kinds)
            for snapshot in snapshots {
                let later = all.filter { $0.stream.kind == snapshot.kind && $0.seq <= position }
                let expected = Snapshot.empty(snapshot.kind).advanced(to: min(position, maxSeq), validAt: valid, later: later) { _ in [] }
                    .snapshot
                #expect(snapshot == expected, "\(snapshot.kind) at (\(valid), #\(position)), \(replay)")
                #expect(snapshot.entities == Reference.entities(all, snapshot.kind, valid: valid, known: .position(position)))
                // Some of the kind's streams folded again in one scan (the snapshot path for many
                // stale streams), as the stream-by-stream fold does.
                let some = Self.streams.filter { $0.kind == snapshot.kind && Bool.random(using: &rng) }
                let scanned = try log.read { tx in try replay.refold(some, validAt: valid, position: min(position, maxSeq), tx) }
                let oneByOne = Snapshot.refold(some, to: min(position, maxSeq), validAt: valid) { s in all.filter { $0.stream == s } }
                #expect(scanned.streams == oneByOne.streams)
                #expect(scanned.pending.sorted() == oneByOne.pending.sorted())
            }
        }
        #expect(passes > 12)
    }

    /// The store takes a snapshot forward from compact records — its stale streams read again by
    /// the stream index, or all in one scan — to what ``Snapshot/advanced`` gives from decoded
    /// events: states, frontiers, pending events and the streams refolded.
    @Test(arguments: 1...20)
    func aStoredSnapshotAdvancesAsTheReferenceDoes(seed: Int) throws {
        let log = seed % 2 == 0 ? try TestLog.temporaryLog().0 : try TestLog.inMemory()
        _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed) + 17_000, commands: 160))
        let all = try log.events()
        var rng = SeededRandom(state: UInt64(seed) &* 40_503)
        let maxSeq = all.last!.seq
        var refolded = 0, carried = 0
        for _ in 0..<8 {
            let s = Int64.random(in: 0...maxSeq, using: &rng)
            let sValid = Bool.random(using: &rng) ? Self.validTime(&rng) : all[Int(max(s, 1)) - 1].recordedAt
            let bases = try log.read { tx in try Replay().run([.task, .memory, .workflow], validAt: sValid, position: s, tx).snapshots }
            for _ in 0..<4 {
                let p = Int64.random(in: s...maxSeq, using: &rng)
                let v = Bool.random(using: &rng) ? sValid : sValid.advanced(by: Int64.random(in: 0...60, using: &rng) * Self.hour)
                for base in bases {
                    let pending = Set(base.pending.map(\.seq))
                    let later = all.filter { $0.stream.kind == base.kind && ($0.seq > s && $0.seq <= p || pending.contains($0.seq)) }
                    // The pending events not due by `v` are carried over unread.
                    let due = later.filter { $0.seq > s || $0.validFrom <= v }
                    let expected = base.advanced(to: p, validAt: v, later: later) { stream in all.filter { $0.stream == stream } }
                    // Touched: exactly the streams of the events read, so every stream whose state changed.
                    #expect(expected.touched == Set(due.map(\.stream)).sorted { $0.id < $1.id })
                    let changed = Set(base.streams.keys).union(expected.snapshot.streams.keys).filter {
                        base.streams[$0]?.state != expected.snapshot.streams[$0]?.state
                    }
                    #expect(changed.isSubset(of: (expected.touched ?? []).map(\.id)))
                    for share in [0, 1_000_000] {
                        let (answer, read) = try log.read { tx in
                            try SnapshotAdvance(refoldScanShare: share).run(base, to: p, validAt: v, tx)
                        }
                        #expect(answer == expected, "\(base.kind) from (\(sValid), #\(s)) to (\(v), #\(p)), scan share \(share)")
                        #expect(read == due.count)
                        // And on again from the answer, as stored (its binary form read back), as the
                        // snapshotter does: the reference from the reference's answer.
                        let p2 = Int64.random(in: p...maxSeq, using: &rng)
                        let v2 = v.advanced(by: Int64.random(in: 0...30, using: &rng) * Self.hour)
                        let stored = try #require(Snapshot(binary: answer.snapshot.binary))
                        let pending2 = Set(expected.snapshot.pending.map(\.seq))
                        let later2 = all.filter { $0.stream.kind == base.kind && ($0.seq > p && $0.seq <= p2 || pending2.contains($0.seq)) }
                        let expected2 = expected.snapshot.advanced(to: p2, validAt: v2, later: later2) { stream in
                            all.filter { $0.stream == stream }
                        }
                        let answer2 = try log.read { tx in try SnapshotAdvance(refoldScanShare: share).run(stored, to: p2, validAt: v2, tx)
                        }
                        #expect(answer2.advance == expected2, "\(base.kind) on to (\(v2), #\(p2))")
                    }
                    refolded += expected.refolded.count
                    carried += expected.snapshot.streams.count - expected.refolded.count
                }
            }
        }
        #expect(refolded > 0 && carried > 0)
    }

    /// When the second connection of a two-thread scan opens but cannot read (here: a file that
    /// holds no log), the main connection reads the newer half too, and the answer is the same.
    @Test func aScanWhoseSecondConnectionCannotReadIsReadByTheFirst() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(text: Self.history(seed: 77, commands: 140))
        let tip = try log.events().last!.seq
        let empty = (path as NSString).deletingLastPathComponent + "/not-a-log.db"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(ReadConnection(path: empty) != nil, "it opens: the scan starts on two threads")
        let opened = Counter()
        var replay = Replay(threads: 2, twoThreadScanFrom: 0)
        replay.secondConnection = { _ in
            opened.add()
            return ReadConnection(path: empty)
        }
        let kinds: [EntityKind] = [.task, .memory, .workflow]
        let answer = try log.read { tx in try replay.run(kinds, validAt: .latest, position: tip, tx) }
        let oneThread = try log.read { tx in try Replay(threads: 1).run(kinds, validAt: .latest, position: tip, tx) }
        #expect(answer.snapshots == oneThread.snapshots)
        #expect(answer.report == oneThread.report)
        #expect(answer.snapshots.contains { !$0.streams.isEmpty })
        #expect(opened.value > 0)
    }

    /// An advance that reads more records than the list first holds, more bytes than its arena
    /// first holds, and more due pending events than one statement asks for: the same as the
    /// reference.
    @Test func aLargeAdvanceGrowsItsBuffersAndReadsInBatches() throws {
        let log = try TestLog.inMemory()
        let long = String(repeating: "x", count: 120)
        let tomorrow = Self.start.advanced(by: 24 * Self.hour)
        var lines: [String] = []
        for i in 0..<3_000 {
            switch i % 3 {
            case 0: lines.append("[valid=\(tomorrow.advanced(by: Int64(i)).rfc3339)] ms:k\(i % 17)|\(long)\(i)|semantic")
            case 1: lines.append("ms:k\(i % 17)|\(long)\(i)|semantic")
            default: lines.append("[valid=\(Self.start.advanced(by: -Int64(i) * 1_000_000).rfc3339)] ms:j\(i % 5)|v\(i)|semantic")
            }
        }
        _ = try TestLog.appender(log).append(text: lines.joined(separator: "\n"))
        let all = try log.events()
        let s = all[1_799].seq
        let base = try log.read { tx in try Replay().run([.memory], validAt: all[1_799].recordedAt, position: s, tx).snapshots[0] }
        #expect(base.pending.count > 500)
        let v = tomorrow.advanced(by: 2_000)
        let tip = all.last!.seq
        let pending = Set(base.pending.map(\.seq))
        let later = all.filter { $0.seq > s || pending.contains($0.seq) }
        let expected = base.advanced(to: tip, validAt: v, later: later) { stream in all.filter { $0.stream == stream } }
        let (answer, read) = try log.read { tx in try SnapshotAdvance(refoldScanShare: 0).run(base, to: tip, validAt: v, tx) }
        #expect(answer == expected)
        #expect(read > 1_024 + 500)
        #expect(answer.snapshot.pending.count > 0 && !answer.refolded.isEmpty)
    }

    /// Times at the ends of the range the log takes survive a snapshot's stored form.
    @Test func farFutureTimesSurviveASnapshot() throws {
        let log = try TestLog.inMemory()
        _ = try TestLog.appender(log).append(
            text: """
                [valid=9999-12-31T23:59:59.999997Z] ms:k|a|semantic
                [valid=9999-12-31T23:59:59.999999Z] ms:k|b|semantic
                [valid=9999-12-31T23:59:59.999998Z] ms:j|c|semantic
                """)
        for valid in [Timestamp(rfc3339: "9999-12-31T23:59:59.999998Z")!, .latest] {
            let snapshot = try log.read { tx in try Replay().run([.memory], validAt: valid, position: 3, tx).snapshots[0] }
            #expect(!snapshot.streams.isEmpty)
            #expect(Snapshot(binary: snapshot.binary) == snapshot)
        }
    }

    /// `verify`'s warnings are the events that look impossible in their stream's history as known
    /// now (the reference: ``Impossible/events(of:)`` stream by stream; the store reads them as a
    /// replay does), and only where something recorded after an event changed its past: an event
    /// the decider accepted, whose past nothing changed since, is never one.
    @Test func impossibleEventsAreThoseSomethingLaterMade() throws {
        var total = 0
        for seed in 1...12 {
            let log = seed % 2 == 0 ? try TestLog.temporaryLog().0 : try TestLog.inMemory()
            _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed) + 21_000, commands: 200))
            let all = try log.events()
            let report = try LogIntegrity.verify(log)
            #expect(report.isSound)
            let expected = Dictionary(grouping: all, by: \.stream).values.flatMap { Impossible.events(of: $0) }.sorted { $0.seq < $1.seq }
            #expect(report.warnings?.listed == expected, "seed \(seed)")
            #expect(report.warnings?.total == expected.count)
            for w in report.warnings?.listed ?? [] {
                let e = try #require(all.first { $0.seq == w.seq })
                let changed = all.contains { $0.stream == w.stream && $0.seq > w.seq && ($0.isRetraction || $0.validFrom <= e.validFrom) }
                #expect(changed, "seed \(seed), \(w): nothing recorded after it changed its past")
            }
            total += expected.count
        }
        #expect(total > 0)
    }

    /// A cancellation recorded late, dated before a completion, makes the completion impossible as
    /// known now; a forget recorded late, dated before another forget, likewise. Both are folded
    /// as recorded.
    @Test func aLateCancellationMakesTheCompletionImpossible() throws {
        let log = try TestLog.inMemory()
        let acks = try TestLog.appender(log).append(
            text: """
                {"cmd":"task.create","id":"a","title":"A","intent":"feature","complexity":"low"}
                su:a|in_progress|0.5
                su:a|done|1
                [valid=\(Self.start.advanced(by: 1_500).rfc3339)] su:a|cancelled|0
                ms:k|v|semantic
                {"cmd":"memory.forget","key":"k"}
                {"valid_at":"\(Self.start.advanced(by: 4_500).rfc3339)","cmd":"memory.forget","key":"k"}
                """)
        #expect(!acks.contains { $0.hasPrefix("er:") }, "\(acks)")
        let report = try LogIntegrity.verify(log)
        #expect(report.problems == [])
        #expect(
            report.warnings?.listed == [
                Impossible(seq: 3, stream: StreamID(.task, "a"), reason: "the task goes from cancelled to completed"),
                Impossible(seq: 6, stream: StreamID(.memory, "k"), reason: "the key is forgotten while it holds no value"),
            ])
        #expect(
            try LogQuery(log: log).entity(StreamID(.task, "a"), asOf: AsOf(valid: .latest, known: .position(10)))?.task?.status
                == .completed)
    }

    /// A task made with a parent whose creation is retracted later: the decider would now refuse
    /// the child's creation (its parent does not exist at its valid time), a warning.
    @Test func aChildWhoseParentIsRetractedIsAWarning() throws {
        let log = try TestLog.inMemory()
        let acks = try TestLog.appender(log).append(
            text: """
                {"cmd":"task.create","id":"p","title":"P","intent":"feature","complexity":"low"}
                {"cmd":"task.create","id":"c","title":"C","intent":"feature","complexity":"low","parent":"p"}
                {"cmd":"task.create","id":"d","title":"D","intent":"feature","complexity":"low","parent":"c"}
                {"cmd":"event.retract","seq":1,"reason":"never made"}
                """)
        #expect(!acks.contains { $0.hasPrefix("er:") }, "\(acks)")
        let report = try LogIntegrity.verify(log)
        #expect(report.problems == [])
        #expect(
            report.warnings?.listed == [
                Impossible(seq: 2, stream: StreamID(.task, "c"), reason: "its parent task 'p' does not exist at its valid time")
            ])
        #expect(try LogIntegrity.check(log) == [])
    }

    /// The appender's live view of every stream (what it decides against) is the naive fold as
    /// of the end of valid time, known now — also when two appenders take turns on one log and
    /// each catches up with the other's late events and retractions.
    @Test(arguments: 1...10)
    func theLiveViewIsTheNaiveFold(seed: Int) throws {
        let (log, _) = try TestLog.temporaryLog()
        let first = try TestLog.appender(log)
        let second = try TestLog.appender(log)
        let lines = Self.history(seed: UInt64(seed) + 5_000, commands: 150).split(separator: "\n")
        for (i, chunk) in stride(from: 0, to: lines.count, by: 7).enumerated() {
            let appender = i % 2 == 0 ? first : second
            _ = try appender.append(text: lines[chunk..<min(chunk + 7, lines.count)].joined(separator: "\n"))
        }
        _ = try second.append(text: "ms:last|1|semantic")
        _ = try first.append(text: "ms:last|2|semantic")
        let all = try log.events()
        let now = KnownAt.position(all.last!.seq)
        for appender in [first, second, try TestLog.appender(log)] {
            _ = try appender.append(text: "")
            for stream in Set(all.map(\.stream)) {
                let expected = Reference.state(all, stream, valid: .latest, known: now)
                #expect(try appender.liveEntity(stream) == expected, "\(stream)")
                // And as of any valid time (what a command dated then is decided against): at
                // or just before the valid time of one of the stream's events, on the grid, and
                // around the recorded times.
                var rng = SeededRandom(state: UInt64(seed) &* 977)
                let dated = all.filter { $0.stream == stream }.map(\.validFrom)
                for _ in 0..<25 {
                    let valid: Timestamp
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: valid = dated.randomElement(using: &rng)!.advanced(by: Int64.random(in: -1...0, using: &rng))
                    case 1: valid = Self.validTime(&rng)
                    default: valid = Self.start.advanced(by: Int64.random(in: -2...170, using: &rng) * FixedClock.step)
                    }
                    let answer = try log.read { tx in try appender.live.entity(stream, asOf: valid, in: tx) }
                    #expect(answer == Reference.state(all, stream, valid: valid, known: now), "\(stream) as of \(valid)")
                }
            }
        }
    }

    /// Events read by position, more than one statement's worth, some positions missing or repeated.
    @Test func eventsAtPositionsAreReadInBatches() throws {
        let log = try TestLog.inMemory()
        _ = try TestLog.appender(log).append(text: (0..<1_200).map { "ms:k\($0 % 7)|\($0)|semantic" }.joined(separator: "\n"))
        let all = try log.events()
        var rng = SeededRandom(state: 42)
        let wanted = (0..<1_100).map { _ in Int64.random(in: -5...1_300, using: &rng) }
        let found = try log.read { try $0.events(at: wanted) }
        #expect(found == all.filter { Set(wanted).contains($0.seq) })
        #expect(found.count > 600)
    }

    /// Two changes scheduled for the same time wait, in log order, behind the ones dated now:
    /// the later-recorded one wins when their time comes, and commands dated before it see
    /// neither.
    @Test func scheduledChangesAtOneTimeKeepTheirOrder() throws {
        let log = try TestLog.inMemory()
        let appender = try TestLog.appender(log)
        let tomorrow = Self.start.advanced(by: 24 * Self.hour)
        _ = try appender.append(
            text: """
                ms:k|a|semantic
                [valid=\(tomorrow.rfc3339)] ms:k|b|semantic
                [valid=\(tomorrow.rfc3339)] ms:k|c|semantic
                ms:k|d|semantic
                """)
        let stream = StreamID(.memory, "k")
        func value(_ valid: Timestamp) throws -> JSONValue? {
            try log.read { tx in try appender.live.entity(stream, asOf: valid, in: tx) }?.memory?.value
        }
        #expect(try appender.liveEntity(stream)?.memory?.value == "c")
        #expect(try value(tomorrow) == "c")
        #expect(try value(tomorrow.advanced(by: -1)) == "d")
        #expect(try value(Self.start.advanced(by: FixedClock.step)) == "a")
    }

    /// The history's rectangles tile the plane: at any (valid, known-at-time) point, the
    /// rectangle that contains it holds exactly the naive fold's state.
    @Test(arguments: 1...15)
    func historyRectanglesHoldTheNaiveFold(seed: Int) throws {
        let log = try TestLog.inMemory()
        let commands = 80
        _ = try TestLog.appender(log).append(text: Self.history(seed: UInt64(seed) + 1_000, commands: commands))
        let all = try log.events()
        let query = LogQuery(log: log)
        var rng = SeededRandom(state: UInt64(seed) &* 104_729)
        for stream in Self.streams {
            let versions = try query.history(stream)
            for _ in 0..<80 {
                let valid = Self.validTime(&rng)
                let known = Self.start.advanced(by: Int64.random(in: -1...Int64(commands) + 1, using: &rng) * FixedClock.step)
                let expected = Reference.state(all, stream, valid: valid, known: .time(known))
                let holding = versions.filter { v in
                    v.validFrom <= valid && v.validTo.map { valid < $0 } ?? true && v.recordedFrom <= known
                        && v.recordedTo.map { known < $0 } ?? true
                }
                #expect(holding.count <= 1, "\(stream): overlapping versions \(holding)")
                #expect(holding.first?.state == expected, "\(stream) at valid \(valid), known \(known)")
            }
            for v in versions {
                #expect((v.recordedTo == nil) == (v.fate == .current))
            }
        }
    }
}

/// A count several threads may add to.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.withLock { n } }
    func add() { lock.withLock { n += 1 } }
}
