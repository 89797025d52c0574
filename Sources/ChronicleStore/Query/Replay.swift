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
            let pass = try Pass(
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

/// One stored event, as a pass holds it until its stream is folded: 112 bytes, with the payload and
/// command id inside when they fit (most do), so that a stream's events and their bytes lie
/// together, in the order the fold reads them.
struct CompactEvent: Sendable {
    typealias Inline = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    static let inlineCapacity = MemoryLayout<Inline>.size

    var seq: Int64
    var validFrom: Int64
    var recordedAt: Int64
    /// Where the payload's stored bytes, then the command id's, lie in the pass's ``ByteArena``;
    /// -1 when they are in ``inline``.
    var bytesStart: Int
    var payloadCount: Int32
    var commandIDCount: Int32
    var streamRevision: Int32
    /// Index in ``DomainEvent/typeNames``.
    var type: UInt8
    var typeVersion: UInt8
    var codec: UInt8
    /// Which of the pass's arenas holds the bytes, when they are not inline.
    var arena: UInt8
    var inline: Inline

    /// The columns ``read(_:into:types:arena:arenaIndex:)`` reads, in its order.
    static let columns = "seq, stream, stream_rev, type, type_version, valid_from, recorded_at, codec, payload, command_id"

    /// The current row of `h` (selecting ``columns``) into `row`, its longer bytes appended to
    /// `arena` (the pass's arena number `arenaIndex`). The stream is the caller's.
    static func read(
        _ h: OpaquePointer, into row: UnsafeMutablePointer<CompactEvent>, types: NameTable, arena: inout ByteArena.Filling,
        arenaIndex: UInt8
    ) throws {
        let seq = sqlite3_column_int64(h, 0)
        let typeName = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 3), count: Int(sqlite3_column_bytes(h, 3)))
        guard let type = types.index(of: typeName) else {
            throw StoreError.corruptEvent(seq: seq, reason: "unknown event type '\(String(decoding: typeName, as: UTF8.self))'")
        }
        let version = sqlite3_column_int64(h, 4), codec = sqlite3_column_int64(h, 7)
        guard (1...255).contains(version), (0...255).contains(codec) else {
            throw StoreError.corruptEvent(seq: seq, reason: "type version \(version) or codec \(codec) out of range")
        }
        let payload = sqlite3_column_blob(h, 8), payloadCount = Int(sqlite3_column_bytes(h, 8))
        let commandID = sqlite3_column_text(h, 9), commandIDCount = Int(sqlite3_column_bytes(h, 9))
        row.initialize(
            to: CompactEvent(
                seq: seq, validFrom: sqlite3_column_int64(h, 5), recordedAt: sqlite3_column_int64(h, 6), bytesStart: -1,
                payloadCount: Int32(payloadCount), commandIDCount: Int32(commandIDCount),
                streamRevision: Int32(truncatingIfNeeded: sqlite3_column_int64(h, 2)), type: UInt8(type), typeVersion: UInt8(version),
                codec: UInt8(codec), arena: arenaIndex, inline: (0, 0, 0, 0, 0, 0, 0, 0)))
        if payloadCount + commandIDCount <= inlineCapacity {
            let inline = UnsafeMutableRawPointer(row) + RecordFold.inlineOffset
            if payloadCount > 0, let payload { inline.copyMemory(from: payload, byteCount: payloadCount) }
            if commandIDCount > 0, let commandID { (inline + payloadCount).copyMemory(from: commandID, byteCount: commandIDCount) }
        } else {
            row.pointee.bytesStart = arena.count
            arena.append(payload, payloadCount)
            arena.append(commandID, commandIDCount)
        }
    }
}

/// The events of one range of streams, read in one scan, then folded.
///
/// Stream i has `limits[i]` slots from `starts[i]` (its newest revision, counted before the
/// scan). The scan may be shared by two threads, each on its own connection: the first reads
/// the older half of the positions and fills each stream's slots from the front, the second
/// reads the newer half and fills them from the back, so that neither needs the other's counts.
/// A stream's events in seq order are its front ones, then its back ones read backwards.
struct Pass: Sendable {
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
        let layout = Share.Layout(
            table: NameTable(names.map(\.stream)), starts: starts, limits: limits, kinds: kinds, first: names.first!.stream,
            last: names.last!.stream, records: Slots(base: events.base))
        try tx.settle()
        var front = Share(layout, fromBack: false)
        var back = Share(layout, fromBack: true)
        var arenas: [ByteArena] = []
        // A failed scan frees what its parts filled.
        defer { if arenas.isEmpty { _ = (front.finish(), back.finish()) } }
        let path = sqlite3_db_filename(tx.db.sqliteConnection, "main").map { String(cString: $0) } ?? ""
        if let secondConnection, position > 1, !path.isEmpty, let other = secondConnection(path) {
            let mid = position / 2
            let done = DispatchSemaphore(value: 0)
            let result = Slots<Result<Share, any Error>>(capacity: 1)
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
                back = Share(layout, fromBack: true)
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
        let results = Slots<FoldRun>(capacity: ranges.count)
        defer { results.base.deallocate() }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { r in
            (results.base + r).initialize(to: foldRun(ranges[r], validAt: valid, checking: checking))
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

    struct FoldRun {
        var streams: [(StreamID, Snapshot.Stream)] = []
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        var impossible = Impossible.Findings()
        var error: StoreError?
    }

    /// With `checking`, the impossible events of each stream instead of its state.
    private func foldRun(_ range: Range<Int>, validAt valid: Timestamp, checking: Bool) -> FoldRun {
        var run = FoldRun()
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

/// Records in memory, with the arenas that hold their longer bytes: the fold of one stream from
/// them.
struct RecordFold {
    let base: UnsafePointer<CompactEvent>
    let arenas: [ByteArena]
    /// What owns the records at `base`, kept alive while the fold is.
    var owner: AnyObject? = nil

    static let retraction = UInt8(DomainEvent.typeNames.firstIndex(of: "event.retracted")!)
    static let inlineOffset = MemoryLayout<CompactEvent>.offset(of: \CompactEvent.inline)!

    enum Folded {
        /// The stream's state and frontier; nil when no event was folded.
        case folded(Snapshot.Stream?)
        /// An event falls before the state's frontier: the stream must be folded from its first event.
        case stale
    }

    /// One stream, whose events are at `positions` in seq order, folded on from `initial` (nil:
    /// from nothing): retracted events left out, the rest folded in `(valid_from, seq)` order up
    /// to `valid`; those after it go to `pending`. Stale when an event to fold has a valid time
    /// before `initial`'s frontier (the positions come after every event `initial` folded).
    /// Records are read in place, through a pointer: a copy of each (112 bytes) costs more than
    /// the little the fold does with most of them.
    func foldStream(
        _ positions: [Int], _ stream: StreamID, validAt valid: Timestamp, from initial: Snapshot.Stream? = nil,
        pending: inout [(EntityKind, Snapshot.Scheduled)]
    ) throws(StoreError) -> Folded {
        let order = try ordered(positions, stream)
        if let initial, let first = order.first.map({ base[$0].validFrom }), first < initial.frontier.microseconds,
            first <= valid.microseconds
        {
            return .stale
        }
        var k = 0
        var frontier = initial?.frontier.microseconds
        let state = try Entity.fold(initial?.state, kind: stream.kind) { () throws(StoreError) -> RecordedEvent? in
            while k < order.count {
                let e = base + order[k]
                k += 1
                if e.pointee.validFrom <= valid.microseconds {
                    frontier = e.pointee.validFrom
                    return try decode(e, stream)
                }
                pending.append(
                    (stream.kind, Snapshot.Scheduled(seq: e.pointee.seq, validFrom: Timestamp(microseconds: e.pointee.validFrom))))
            }
            return nil
        }
        return .folded(frontier.map { Snapshot.Stream(state: state, frontier: Timestamp(microseconds: $0)) })
    }

    /// `positions` (one stream's, in seq order) without retractions and the events they retract,
    /// in `(valid_from, seq)` order.
    func ordered(_ positions: [Int], _ stream: StreamID) throws(StoreError) -> [Int] {
        var retracted: Set<Int64> = []
        var retractions = 0
        var ordered = true
        var last = Int64.min
        for j in positions {
            let e = base + j
            if e.pointee.type == Self.retraction {
                retractions += 1
                if case .eventRetracted(let target, _) = try decode(e, stream).event { retracted.insert(target) }
            } else {
                if e.pointee.validFrom < last { ordered = false }
                last = e.pointee.validFrom
            }
        }
        var order = positions
        if retractions > 0 { order.removeAll { base[$0].type == Self.retraction || retracted.contains(base[$0].seq) } }
        if !ordered { order.sort { (base[$0].validFrom, base[$0].seq) < (base[$1].validFrom, base[$1].seq) } }
        return order
    }

    /// The events of one stream (at `positions`, in seq order) that look impossible in its
    /// history as known at the pass's position (see ``Impossible``).
    func impossible(_ positions: [Int], _ stream: StreamID, into out: inout Impossible.Findings) throws(StoreError) {
        var state: Entity?
        for j in try ordered(positions, stream) {
            let e = try decode(base + j, stream)
            if let reason = Impossible.reason(for: e, after: state) { out.add(Impossible(seq: e.seq, stream: stream, reason: reason)) }
            state = Entity.evolve(state, e)
        }
    }

    func decode(_ e: UnsafePointer<CompactEvent>, _ stream: StreamID) throws(StoreError) -> RecordedEvent {
        let type = DomainEvent.typeNames[Int(e.pointee.type)]
        let version = Int(e.pointee.typeVersion), codec = Int(e.pointee.codec)
        let p = Int(e.pointee.payloadCount), c = Int(e.pointee.commandIDCount)
        // The payload and command id bytes: inside the record, or in the arena.
        let bytes =
            e.pointee.bytesStart >= 0
            ? arenas[Int(e.pointee.arena)].bytes(e.pointee.bytesStart, p + c)
            : UnsafeRawBufferPointer(start: UnsafeRawPointer(e) + Self.inlineOffset, count: p + c)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[0..<p])
        var event = codec == PayloadCodec.json.rawValue ? DomainEvent(type: type, version: version, flatPayload: payload) : nil
        if event == nil {
            do {
                event = try PayloadCodec.event(type: type, version: version, codec: codec, payload: Array(payload))
            } catch {
                throw StoreError.corruptEvent(seq: e.pointee.seq, reason: error.description)
            }
        }
        return RecordedEvent(
            seq: e.pointee.seq, stream: stream, streamRevision: Int(e.pointee.streamRevision),
            validFrom: Timestamp(microseconds: e.pointee.validFrom), recordedAt: Timestamp(microseconds: e.pointee.recordedAt),
            commandID: String(decoding: bytes[p..<p + c], as: UTF8.self), event: event!)
    }
}

/// Memory for one value per thread of a `concurrentPerform`, each written by its own thread only.
struct Slots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
    init(base: UnsafeMutablePointer<T>) { self.base = base }
}

/// The records of one pass: one anonymous mapping, with huge pages asked for. The records are
/// written in an order scattered over the whole buffer (each to its stream's place), and read
/// stream by stream; with 4 KiB pages nearly every one of those accesses also misses the TLB.
/// Pages are zero until written, and only the slots written are read.
final class RecordBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<CompactEvent>
    let count: Int
    private let bytes: Int

    init(count: Int) throws {
        self.count = count
        let hugePage = 2 << 20
        bytes = max(1, (count * MemoryLayout<CompactEvent>.stride + hugePage - 1) / hugePage) * hugePage
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw StoreError.read(reason: "cannot map \(bytes) bytes for a replay pass (\(String(cString: strerror(errno))))")
        }
        _ = madvise(p, bytes, MADV_HUGEPAGE)
        base = p.bindMemory(to: CompactEvent.self, capacity: count)
    }

    deinit { munmap(base, bytes) }
}

/// One thread's part of a pass's scan: the rows in a range of positions, each put straight into
/// its stream's next slot, from the front or from the back (see ``Pass``).
struct Share: Sendable {
    /// What both parts share: where each stream's slots are.
    struct Layout: @unchecked Sendable {
        let table: NameTable
        let starts: [Int]
        let limits: [Int]
        let kinds: Set<EntityKind>
        /// The first and last stream names of the pass.
        let first: String
        let last: String
        let records: Slots<CompactEvent>
    }

    let layout: Layout
    let fromBack: Bool
    private(set) var counts: [Int]
    private var arena: ByteArena.Filling?

    init(_ layout: Layout, fromBack: Bool) {
        self.layout = layout
        self.fromBack = fromBack
        counts = [Int](repeating: 0, count: layout.starts.count)
    }

    /// The arena the scan filled (an empty one when it did not run).
    mutating func finish() -> ByteArena {
        defer { arena = nil }
        return ByteArena(arena ?? ByteArena.Filling(capacity: 64))
    }

    /// Reads the rows with `after < seq ≤ through` of the pass's streams on connection `db`.
    mutating func scan(_ db: OpaquePointer, after: Int64, through: Int64) throws {
        var arena = ByteArena.Filling(capacity: 1 << 16)
        defer { self.arena = arena }
        let sql = """
            SELECT \(CompactEvent.columns) FROM events WHERE seq > ? AND seq <= ? AND +stream >= ? AND +stream <= ? ORDER BY seq
            """
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let h = statement else {
            throw StoreError.read(reason: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(h) }
        sqlite3_bind_int64(h, 1, after)
        sqlite3_bind_int64(h, 2, through)
        bindText(h, 3, layout.first)
        bindText(h, 4, layout.last)
        let types = Pass.typeTable, table = layout.table, records = layout.records.base
        let arenaIndex: UInt8 = fromBack ? 1 : 0
        try layout.starts.withUnsafeBufferPointer { starts in
            try layout.limits.withUnsafeBufferPointer { limits in
                try counts.withUnsafeMutableBufferPointer { counts in
                    while try LogTransaction.step(h) {
                        let seq = sqlite3_column_int64(h, 0)
                        let name = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 1), count: Int(sqlite3_column_bytes(h, 1)))
                        guard let i = table.index(of: name) else {
                            // A stream of a kind between two asked for: not this replay's.
                            let text = String(decoding: name, as: UTF8.self)
                            if let id = StreamID(text), !layout.kinds.contains(id.kind) { continue }
                            throw StoreError.corruptEvent(seq: seq, reason: "stream '\(text)' was not counted before the scan")
                        }
                        guard counts[i] < limits[i] else {
                            throw StoreError.corruptEvent(seq: seq, reason: "its stream holds more events than its newest revision")
                        }
                        let row = records + (fromBack ? starts[i] + limits[i] - 1 - counts[i] : starts[i] + counts[i])
                        try CompactEvent.read(h, into: row, types: types, arena: &arena, arenaIndex: arenaIndex)
                        counts[i] += 1
                    }
                }
            }
        }
    }
}

/// Bytes appended one after another: the stored payloads and command ids of a pass. Filled by
/// the scan (``Filling``), then only read, by the folding threads.
final class ByteArena: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer

    init(_ filled: Filling) { base = filled.base }

    deinit { base.deallocate() }

    func bytes(_ start: Int, _ n: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + start, count: n) }

    /// The arena while the scan fills it: a value, so appends pay no access checks.
    struct Filling: @unchecked Sendable {
        fileprivate var base: UnsafeMutableRawPointer
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            base = .allocate(byteCount: self.capacity, alignment: 8)
        }

        mutating func append(_ bytes: UnsafeRawPointer?, _ n: Int) {
            guard n > 0, let bytes else { return }
            if count + n > capacity {
                capacity = max(capacity * 2, count + n)
                let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
                grown.copyMemory(from: base, byteCount: count)
                base.deallocate()
                base = grown
            }
            (base + count).copyMemory(from: bytes, byteCount: n)
            count += n
        }
    }
}

/// Names → their index, looked up by the bytes SQLite returns (no String made per row): open
/// addressing over FNV-1a hashes, names compared byte for byte.
final class NameTable: @unchecked Sendable {
    private let bytes: UnsafeMutablePointer<UInt8>
    private let starts: UnsafeMutablePointer<Int>
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int

    init(_ names: [String]) {
        var all: [UInt8] = []
        var offsets: [Int] = [0]
        for n in names {
            all += n.utf8
            offsets.append(all.count)
        }
        var size = 16
        while size < names.count * 2 { size *= 2 }
        var table = [Int32](repeating: -1, count: size)
        for i in names.indices {
            let name = all[offsets[i]..<offsets[i + 1]]
            var h = name.withUnsafeBytes { Self.hash($0) } & (size - 1)
            while table[h] >= 0 {
                // A repeated name keeps its first index.
                if all[offsets[Int(table[h])]..<offsets[Int(table[h]) + 1]].elementsEqual(name) { break }
                h = (h + 1) & (size - 1)
            }
            if table[h] < 0 { table[h] = Int32(i) }
        }
        bytes = .allocate(capacity: max(all.count, 1))
        bytes.initialize(from: all, count: all.count)
        starts = .allocate(capacity: offsets.count)
        starts.initialize(from: offsets, count: offsets.count)
        slots = .allocate(capacity: size)
        slots.initialize(from: table, count: size)
        mask = size - 1
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        slots.deallocate()
    }

    /// Names of 8 to 16 bytes (most stream and type names) are hashed and compared as two
    /// overlapping 8-byte words; others byte by byte.
    static func hash(_ p: UnsafeRawBufferPointer) -> Int {
        let n = p.count
        if n >= 8 {
            let a = p.loadUnaligned(as: UInt64.self), b = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            let h = (a ^ (b &<< 29 | b &>> 35) ^ UInt64(n)) &* 0x9E37_79B9_7F4A_7C15
            return Int(truncatingIfNeeded: h ^ h &>> 29)
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h)
    }

    func index(of name: UnsafeRawBufferPointer) -> Int? {
        let n = name.count
        var h = Self.hash(name) & mask
        while true {
            let i = Int(slots[h])
            if i < 0 { return nil }
            if starts[i + 1] - starts[i] == n {
                let stored = UnsafeRawPointer(bytes + starts[i])
                if n >= 8 && n <= 16 {
                    if stored.loadUnaligned(as: UInt64.self) == name.loadUnaligned(as: UInt64.self)
                        && stored.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                            == name.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                    {
                        return i
                    }
                } else if n == 0 || memcmp(stored, name.baseAddress!, n) == 0 {
                    return i
                }
            }
            h = (h + 1) & mask
        }
    }
}

extension LogTransaction {
    /// The newest revision of `stream` (its number of events; 0 when it has none): one seek.
    func newestRevision(of stream: StreamID) throws -> Int {
        try settle()
        let s = try db.cachedStatement(sql: "SELECT max(stream_rev) FROM events WHERE stream = ?")
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        bindText(h, 1, stream.description)
        guard try step(h) else { return 0 }
        return Int(sqlite3_column_int64(h, 0))
    }

    /// Every stream of `kind` with its number of events, in name order. A stream's revisions are
    /// 1, 2, 3 … (UNIQUE, and `verify` checks there is no gap), so its newest revision is its
    /// count: one seek into the stream index per stream (a loose index scan), not a read of
    /// every entry.
    func streamCounts(of kind: EntityKind) throws -> [(stream: String, count: Int)] {
        try settle()
        let s = try db.cachedStatement(
            sql: """
                WITH RECURSIVE s(name) AS (
                    SELECT min(stream) FROM events WHERE stream >= ?1 AND stream < ?2
                    UNION ALL
                    SELECT (SELECT min(stream) FROM events WHERE stream > s.name AND stream < ?2) FROM s WHERE s.name IS NOT NULL)
                SELECT name, (SELECT max(stream_rev) FROM events WHERE stream = s.name) FROM s WHERE name IS NOT NULL
                """)
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        bindText(h, 1, kind.rawValue + "/")
        bindText(h, 2, kind.rawValue + "0")
        var out: [(stream: String, count: Int)] = []
        while try step(h) {
            out.append((String(cString: sqlite3_column_text(h, 0)), max(0, Int(sqlite3_column_int64(h, 1)))))
        }
        return out
    }
}
