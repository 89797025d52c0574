public import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// A full replay: every stream of some kinds folded from the first event as of `(V, #P)`: the
/// answer ``Snapshot/advanced(to:validAt:later:streamEvents:)`` gives from the empty snapshot,
/// with a memory bound that does not grow with the log.
///
/// The log is read in `seq` order: a scan of the table, not of the stream index, which visits
/// rows in random order, about ten times slower. The fold needs each stream's events in
/// `(valid_from, seq)` order, and a late event can fall anywhere in its stream's past, so a
/// stream's events are held until its fold, in compact records (times, positions, the stored
/// payload bytes), never as decoded events. A *pass* holds the streams of one range of names, at
/// most ``eventsPerPass`` events (a longer stream takes a pass of its own), and folds them on
/// ``threads`` threads; a longer log takes more passes, each a scan that SQLite filters to its
/// range. Peak memory is one pass's records plus the states, which grow with the entities.
public struct Replay: Sendable {
    /// The most events one pass holds.
    public var eventsPerPass: Int
    /// Threads that fold a pass's streams (decoding payloads is most of the work).
    public var threads: Int
    /// A pass of at least this many events is scanned by two threads: one steps SQLite and
    /// copies each row out, the other files the rows under their streams.
    public var twoThreadScanFrom: Int
    /// Opens the second connection of a two-thread scan on the log's file (the tests give one
    /// that cannot read, to take the path where the main connection reads both halves).
    var secondConnection: @Sendable (String) -> ReadConnection? = { ReadConnection(path: $0) }

    public init(eventsPerPass: Int = 1_000_000, threads: Int = 2, twoThreadScanFrom: Int = 20_000) {
        precondition(eventsPerPass > 0 && threads > 0)
        self.eventsPerPass = eventsPerPass
        self.threads = threads
        self.twoThreadScanFrom = twoThreadScanFrom
    }

    /// What a replay did.
    public struct Report: Sendable, Equatable {
        /// Events read (folded, pending, retractions and retracted ones).
        public var events: Int
        /// Scans of the log.
        public var passes: Int
    }

    /// One snapshot per kind, in the order given, as of valid time `valid` and log position
    /// `position`: each stream's state and frontier, and the events dated after `valid` (pending).
    public func snapshots(of kinds: [EntityKind], validAt valid: Timestamp, position: Int64, _ tx: LogTransaction) throws -> [Snapshot] {
        try run(kinds, validAt: valid, position: position, tx).snapshots
    }

    /// Some streams of one kind folded again from all their events, in one scan of the log (the
    /// snapshot path, when many streams went stale: reading each by the stream index would cost
    /// more). The same answer as ``Snapshot/refold(_:to:validAt:streamEvents:)``.
    public func refold(_ streams: [StreamID], validAt valid: Timestamp, position: Int64, _ tx: LogTransaction) throws -> Snapshot.Refolded {
        guard let kind = streams.first?.kind else { return Snapshot.Refolded(streams: [:], pending: []) }
        precondition(streams.allSatisfy { $0.kind == kind }, "one kind at a time")
        let snapshot = try run([kind], validAt: valid, position: position, only: Set(streams.map(\.description)), tx).snapshots[0]
        return Snapshot.Refolded(streams: snapshot.streams, pending: snapshot.pending)
    }

    /// ``snapshots(of:validAt:position:_:)`` and what it took; only the streams named in `only`
    /// when it is given.
    public func run(
        _ kinds: [EntityKind], validAt valid: Timestamp, position: Int64, only: Set<String>? = nil, _ tx: LogTransaction
    ) throws -> (snapshots: [Snapshot], report: Report) {
        let (snapshots, report, _) = try run(kinds, validAt: valid, position: position, only: only, checking: false, tx)
        return (snapshots, report)
    }

    /// Every event of some kinds' streams that looks impossible in the history as known at
    /// `position` (see ``Impossible``), in log order; read as a replay reads.
    public func impossibleEvents(of kinds: [EntityKind], position: Int64, _ tx: LogTransaction) throws -> Impossible.Findings {
        var found = try run(kinds, validAt: .latest, position: position, only: nil, checking: true, tx).impossible
        found.listed.sort { $0.seq < $1.seq }
        return found
    }

    private func run(
        _ kinds: [EntityKind], validAt valid: Timestamp, position: Int64, only: Set<String>?, checking: Bool, _ tx: LogTransaction
    ) throws -> (snapshots: [Snapshot], report: Report, impossible: Impossible.Findings) {
        var impossible = Impossible.Findings()
        var out = kinds.map { Snapshot(kind: $0, position: position, validAt: valid, streams: [:], pending: []) }
        var report = Report(events: 0, passes: 0)
        guard position > 0 else { return (out, report, Impossible.Findings()) }
        // Kinds in name order, so that each pass's streams are one range of names.
        let wanted = Set(kinds).sorted { $0.rawValue < $1.rawValue }
        var streams: [(stream: String, count: Int)] = []
        for kind in wanted { streams += try tx.streamCounts(of: kind).filter { only?.contains($0.stream) ?? true } }
        var slot: [EntityKind: Int] = [:]
        for (i, s) in out.enumerated() where slot[s.kind] == nil { slot[s.kind] = i }
        var first = 0
        while first < streams.count {
            var end = first + 1, events = streams[first].count
            while end < streams.count, events + streams[end].count <= eventsPerPass {
                events += streams[end].count
                end += 1
            }
            var second: (@Sendable (String) -> ReadConnection?)?
            if threads > 1 && events >= twoThreadScanFrom { second = secondConnection }
            let pass = try StreamRangePass(
                streams: streams[first..<end], events: events, kinds: only == nil ? Set(wanted) : [], position: position,
                secondConnection: second, tx)
            let folded = try pass.fold(validAt: valid, threads: threads, checking: checking)
            impossible.merge(folded.impossible)
            for (stream, state) in folded.streams { out[slot[stream.kind]!].streams[stream.id] = state }
            for (kind, scheduled) in folded.pending { out[slot[kind]!].pending.append(scheduled) }
            report.events += pass.eventCount
            report.passes += 1
            first = end
        }
        for i in out.indices {
            out[i].pending.sort()
            // A kind asked for twice: every copy gets the answer.
            if let s = slot[out[i].kind], s != i { out[i] = out[s] }
        }
        return (out, report, impossible)
    }
}
