internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// The events of one range of streams, read in one scan, then folded.
///
/// Stream i has `limits[i]` slots from `starts[i]` (its newest revision, counted before the
/// scan). The scan may be shared by two threads, each on its own connection: the first reads
/// the older half of the positions and fills each stream's slots from the front, the second
/// reads the newer half and fills them from the back, so that neither needs the other's counts.
/// A stream's events in seq order are its front ones, then its back ones read backwards.
struct StreamRangePass: Sendable {
    let streams: [StreamID]
    let starts: [Int]
    let limits: [Int]
    let frontCounts: [Int]
    let backCounts: [Int]
    let events: RecordBuffer
    let arenas: [ByteArena]
    var eventCount: Int { frontCounts.reduce(0, +) + backCounts.reduce(0, +) }

    static let typeTable = NameTable(DomainEvent.typeNames)

    /// Reads the events at or before `position` of `streams` (name order, with their event
    /// counts); given a `secondConnection` and a log in a file, on two threads and connections.
    init(
        streams names: ArraySlice<(stream: String, count: Int)>, events total: Int, kinds: Set<EntityKind>, position: Int64,
        secondConnection: (@Sendable (String) -> ReadConnection?)?, _ tx: LogTransaction
    ) throws {
        var streams: [StreamID] = []
        var starts: [Int] = []
        streams.reserveCapacity(names.count)
        starts.reserveCapacity(names.count)
        var next = 0
        for s in names {
            guard let id = StreamID(s.stream) else {
                throw StoreError.read(reason: "the log holds a stream named '\(s.stream)', not kind/id; run `chronicle verify`")
            }
            streams.append(id)
            starts.append(next)
            next += s.count
        }
        let limits = names.map(\.count)
        let events = try RecordBuffer(count: total)
        let layout = HalfScan.SlotMap(
            table: NameTable(names.map(\.stream)), starts: starts, limits: limits, kinds: kinds, first: names.first!.stream,
            last: names.last!.stream, records: UnsafeSharedSlots(base: events.base))
        try tx.settle()
        var front = HalfScan(layout, fromBack: false)
        var back = HalfScan(layout, fromBack: true)
        var arenas: [ByteArena] = []
        // A failed scan frees what its parts filled.
        defer { if arenas.isEmpty { _ = (front.finish(), back.finish()) } }
        let path = sqlite3_db_filename(tx.db.sqliteConnection, "main").map { String(cString: $0) } ?? ""
        if let secondConnection, position > 1, !path.isEmpty, let other = secondConnection(path) {
            let mid = position / 2
            let done = DispatchSemaphore(value: 0)
            let result = UnsafeSharedSlots<Result<HalfScan, any Error>>(capacity: 1)
            defer { result.base.deallocate() }
            let thread = Thread { [back] in
                var share = back
                do {
                    try share.scan(other.handle, after: mid, through: position)
                    result.base.initialize(to: .success(share))
                } catch {
                    _ = share.finish()
                    result.base.initialize(to: .failure(error))
                }
                done.signal()
            }
            thread.start()
            var failure: (any Error)?
            do { try front.scan(tx.db.sqliteConnection!, after: 0, through: mid) } catch { failure = error }
            done.wait()
            let backResult = result.base.move()
            if let failure {
                if case .success(var share) = backResult { _ = share.finish() }
                throw failure
            }
            switch backResult {
            case .success(let share):
                back = share
            case .failure:
                // The second connection could not read (say, no access to the shared-memory file):
                // the newer half is read here, into the same slots from the back. A damaged row
                // gives its error again, from this connection.
                back = HalfScan(layout, fromBack: true)
                try back.scan(tx.db.sqliteConnection!, after: mid, through: position)
            }
            for i in limits.indices where front.counts[i] + back.counts[i] > limits[i] {
                throw StoreError.corruptEvent(
                    seq: position, reason: "stream '\(names[names.startIndex + i].stream)' holds more events than its newest revision")
            }
        } else {
            try front.scan(tx.db.sqliteConnection!, after: 0, through: position)
        }
        self.streams = streams
        self.starts = starts
        self.limits = limits
        self.frontCounts = front.counts
        self.backCounts = back.counts
        self.events = events
        arenas = [front.finish(), back.finish()]
        self.arenas = arenas
    }

    /// The positions, in seq order, of stream i's events in ``events``.
    func positions(_ i: Int) -> [Int] {
        let start = starts[i], end = starts[i] + limits[i]
        var out = Array(start..<start + frontCounts[i])
        out.reserveCapacity(frontCounts[i] + backCounts[i])
        var j = end - 1
        while j >= end - backCounts[i] {
            out.append(j)
            j -= 1
        }
        return out
    }

    /// Every stream of the pass folded as of valid time `valid`: the streams with a folded
    /// event, and the events dated after `valid`.
    func fold(validAt valid: Timestamp, threads: Int, checking: Bool = false) throws -> (
        streams: [(StreamID, Snapshot.Stream)], pending: [(EntityKind, Snapshot.Scheduled)], impossible: Impossible.Findings
    ) {
        // Contiguous runs of streams with about equal event counts, one per thread.
        let total = eventCount
        var bounds = [0]
        var sum = 0
        for (i, c) in limits.enumerated() {
            sum += c
            if bounds.count < threads, sum * threads >= total * bounds.count, i + 1 < limits.count { bounds.append(i + 1) }
        }
        bounds.append(limits.count)
        let ranges = (0..<bounds.count - 1).map { bounds[$0]..<bounds[$0 + 1] }
        // Each thread initializes its own slot; all are read once every thread is done.
        let results = UnsafeSharedSlots<FoldedStreams>(capacity: ranges.count)
        defer { results.base.deallocate() }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { r in
            (results.base + r).initialize(to: foldStreams(ranges[r], validAt: valid, checking: checking))
        }
        var streams: [(StreamID, Snapshot.Stream)] = []
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        var impossible = Impossible.Findings()
        var error: StoreError?
        for r in ranges.indices {
            let run = (results.base + r).move()
            streams.append(contentsOf: run.streams)
            pending.append(contentsOf: run.pending)
            impossible.merge(run.impossible)
            error = error ?? run.error
        }
        if let error { throw error }
        return (streams, pending, impossible)
    }

    struct FoldedStreams {
        var streams: [(StreamID, Snapshot.Stream)] = []
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        var impossible = Impossible.Findings()
        var error: StoreError?
    }

    /// With `checking`, the impossible events of each stream instead of its state.
    private func foldStreams(_ range: Range<Int>, validAt valid: Timestamp, checking: Bool) -> FoldedStreams {
        var run = FoldedStreams()
        run.streams.reserveCapacity(range.count)
        let records = RecordFold(base: UnsafePointer(events.base), arenas: arenas, owner: events)
        do {
            for i in range {
                if checking {
                    try records.impossible(positions(i), streams[i], into: &run.impossible)
                } else if case .folded(let s?) = try records.foldStream(positions(i), streams[i], validAt: valid, pending: &run.pending) {
                    run.streams.append((streams[i], s))
                }
            }
        } catch {
            run.error = error
        }
        return run
    }
}
