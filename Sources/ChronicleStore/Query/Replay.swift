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

    public init(eventsPerPass: Int = 1_000_000, threads: Int = 2) {
        precondition(eventsPerPass > 0 && threads > 0)
        self.eventsPerPass = eventsPerPass
        self.threads = threads
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

    /// ``snapshots(of:validAt:position:_:)`` and what it took.
    public func run(_ kinds: [EntityKind], validAt valid: Timestamp, position: Int64, _ tx: LogTransaction) throws -> (
        snapshots: [Snapshot], report: Report
    ) {
        var out = kinds.map { Snapshot(kind: $0, position: position, validAt: valid, streams: [:], pending: []) }
        var report = Report(events: 0, passes: 0)
        guard position > 0 else { return (out, report) }
        // Kinds in name order, so that each pass's streams are one range of names.
        let wanted = Set(kinds).sorted { $0.rawValue < $1.rawValue }
        var streams: [(stream: String, count: Int)] = []
        for kind in wanted { streams += try tx.streamCounts(of: kind) }
        var slot: [EntityKind: Int] = [:]
        for (i, s) in out.enumerated() where slot[s.kind] == nil { slot[s.kind] = i }
        var first = 0
        while first < streams.count {
            var end = first + 1, events = streams[first].count
            while end < streams.count, events + streams[end].count <= eventsPerPass {
                events += streams[end].count
                end += 1
            }
            let pass = try Pass(streams: streams[first..<end], events: events, kinds: Set(wanted), position: position, tx)
            let folded = try pass.fold(validAt: valid, threads: threads)
            for (stream, state) in folded.streams { out[slot[stream.kind]!].streams[stream.id] = state }
            for (kind, seq) in folded.pending { out[slot[kind]!].pending.append(seq) }
            report.events += pass.eventCount
            report.passes += 1
            first = end
        }
        for i in out.indices {
            out[i].pending.sort()
            // A kind asked for twice: every copy gets the answer.
            if let s = slot[out[i].kind], s != i { out[i] = out[s] }
        }
        return (out, report)
    }
}

/// One stored event, as a pass holds it until its stream is folded: 96 bytes, with the payload and
/// command id inside when they fit (most do), so that a stream's events and their bytes lie
/// together, in the order the fold reads them.
struct CompactEvent: Sendable {
    typealias Inline = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
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
    var inline: Inline

    static let zero = CompactEvent(
        seq: 0, validFrom: 0, recordedAt: 0, bytesStart: -1, payloadCount: 0, commandIDCount: 0, streamRevision: 0, type: 0,
        typeVersion: 0, codec: 0, inline: (0, 0, 0, 0, 0, 0))
}

/// The events of one range of streams, read in one scan, then folded.
struct Pass: Sendable {
    let streams: [StreamID]
    /// The events of stream i are `events[starts[i] ..< starts[i] + counts[i]]`, in seq order.
    let starts: [Int]
    let counts: [Int]
    let events: [CompactEvent]
    let arena: ByteArena
    var eventCount: Int { counts.reduce(0, +) }

    static let retraction = UInt8(DomainEvent.typeNames.firstIndex(of: "event.retracted")!)
    static let typeTable = NameTable(DomainEvent.typeNames)

    /// Reads the events at or before `position` of `streams` (name order, with their event counts).
    init(
        streams names: ArraySlice<(stream: String, count: Int)>, events total: Int, kinds: Set<EntityKind>, position: Int64,
        _ tx: LogTransaction
    )
        throws
    {
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
        let table = NameTable(names.map(\.stream))
        let limits = names.map(\.count)
        var counts = [Int](repeating: 0, count: names.count)
        var events = [CompactEvent](repeating: .zero, count: total)
        var arena = ByteArena.Filling(capacity: 1 << 16)

        try tx.settle()
        let s = try tx.db.cachedStatement(
            sql: """
                SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, codec, payload, command_id FROM events
                WHERE seq <= ? AND +stream >= ? AND +stream <= ? ORDER BY seq
                """)
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        sqlite3_bind_int64(h, 1, position)
        bindText(h, 2, names.first!.stream)
        bindText(h, 3, names.last!.stream)
        // Until the arena is handed to its owner, a failed scan frees it here.
        var handedOver = false
        defer { if !handedOver { arena.base.deallocate() } }
        try events.withUnsafeMutableBufferPointer { events in
            try counts.withUnsafeMutableBufferPointer { counts in
                while try tx.step(h) {
                    let seq = sqlite3_column_int64(h, 0)
                    let name = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 1), count: Int(sqlite3_column_bytes(h, 1)))
                    guard let i = table.index(of: name) else {
                        // A stream of a kind between two asked for: not this replay's.
                        let text = String(decoding: name, as: UTF8.self)
                        if let id = StreamID(text), !kinds.contains(id.kind) { continue }
                        throw StoreError.corruptEvent(seq: seq, reason: "stream '\(text)' was not counted before the scan")
                    }
                    let typeName = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 3), count: Int(sqlite3_column_bytes(h, 3)))
                    guard let type = Self.typeTable.index(of: typeName) else {
                        throw StoreError.corruptEvent(seq: seq, reason: "unknown event type '\(String(decoding: typeName, as: UTF8.self))'")
                    }
                    let version = sqlite3_column_int64(h, 4), codec = sqlite3_column_int64(h, 7)
                    guard (1...255).contains(version), (0...255).contains(codec) else {
                        throw StoreError.corruptEvent(seq: seq, reason: "type version \(version) or codec \(codec) out of range")
                    }
                    guard counts[i] < limits[i] else {
                        throw StoreError.corruptEvent(seq: seq, reason: "more events of its stream than were counted before the scan")
                    }
                    let payload = sqlite3_column_blob(h, 8), payloadCount = Int(sqlite3_column_bytes(h, 8))
                    let commandID = sqlite3_column_text(h, 9), commandIDCount = Int(sqlite3_column_bytes(h, 9))
                    var e = CompactEvent(
                        seq: seq, validFrom: sqlite3_column_int64(h, 5), recordedAt: sqlite3_column_int64(h, 6), bytesStart: -1,
                        payloadCount: Int32(payloadCount), commandIDCount: Int32(commandIDCount),
                        streamRevision: Int32(truncatingIfNeeded: sqlite3_column_int64(h, 2)), type: UInt8(type),
                        typeVersion: UInt8(version),
                        codec: UInt8(codec), inline: (0, 0, 0, 0, 0, 0))
                    if payloadCount + commandIDCount <= CompactEvent.inlineCapacity {
                        withUnsafeMutableBytes(of: &e.inline) { b in
                            if payloadCount > 0, let payload { b.baseAddress!.copyMemory(from: payload, byteCount: payloadCount) }
                            if commandIDCount > 0, let commandID {
                                (b.baseAddress! + payloadCount).copyMemory(from: commandID, byteCount: commandIDCount)
                            }
                        }
                    } else {
                        e.bytesStart = arena.count
                        arena.append(payload, payloadCount)
                        arena.append(commandID, commandIDCount)
                    }
                    events[starts[i] + counts[i]] = e
                    counts[i] += 1
                }
            }
        }
        self.streams = streams
        self.starts = starts
        self.counts = counts
        self.events = events
        self.arena = ByteArena(arena)
        handedOver = true
    }

    /// Every stream of the pass folded as of valid time `valid`: the streams with a folded
    /// event, and the events dated after `valid`.
    func fold(validAt valid: Timestamp, threads: Int) throws -> (streams: [(StreamID, Snapshot.Stream)], pending: [(EntityKind, Int64)]) {
        // Contiguous runs of streams with about equal event counts, one per thread.
        let total = eventCount
        var bounds = [0]
        var sum = 0
        for (i, c) in counts.enumerated() {
            sum += c
            if bounds.count < threads, sum * threads >= total * bounds.count, i + 1 < counts.count { bounds.append(i + 1) }
        }
        bounds.append(counts.count)
        let ranges = (0..<bounds.count - 1).map { bounds[$0]..<bounds[$0 + 1] }
        // Each thread initializes its own slot; all are read once every thread is done.
        let results = Slots<FoldRun>(capacity: ranges.count)
        defer { results.base.deallocate() }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { r in
            (results.base + r).initialize(to: foldRun(ranges[r], validAt: valid))
        }
        var streams: [(StreamID, Snapshot.Stream)] = []
        var pending: [(EntityKind, Int64)] = []
        var error: StoreError?
        for r in ranges.indices {
            let run = (results.base + r).move()
            streams.append(contentsOf: run.streams)
            pending.append(contentsOf: run.pending)
            error = error ?? run.error
        }
        if let error { throw error }
        return (streams, pending)
    }

    struct FoldRun {
        var streams: [(StreamID, Snapshot.Stream)] = []
        var pending: [(EntityKind, Int64)] = []
        var error: StoreError?
    }

    private func foldRun(_ range: Range<Int>, validAt valid: Timestamp) -> FoldRun {
        var run = FoldRun()
        run.streams.reserveCapacity(range.count)
        do {
            for i in range {
                if let s = try foldStream(i, validAt: valid, pending: &run.pending) { run.streams.append((streams[i], s)) }
            }
        } catch {
            run.error = error
        }
        return run
    }

    /// One stream: retracted events left out, the rest folded in `(valid_from, seq)` order up
    /// to `valid`; those after it go to `pending`.
    private func foldStream(_ i: Int, validAt valid: Timestamp, pending: inout [(EntityKind, Int64)]) throws(StoreError) -> Snapshot.Stream?
    {
        let slice = events[starts[i]..<starts[i] + counts[i]]
        let stream = streams[i]
        var retracted: Set<Int64> = []
        var retractions = 0
        var ordered = true
        var last = Int64.min
        for e in slice {
            if e.type == Self.retraction {
                retractions += 1
                if case .eventRetracted(let target, _) = try decode(e, stream).event { retracted.insert(target) }
            } else {
                if e.validFrom < last { ordered = false }
                last = e.validFrom
            }
        }
        var order = Array(slice.indices)
        if retractions > 0 { order.removeAll { events[$0].type == Self.retraction || retracted.contains(events[$0].seq) } }
        if !ordered { order.sort { (events[$0].validFrom, events[$0].seq) < (events[$1].validFrom, events[$1].seq) } }
        var k = 0
        var frontier: Int64?
        let state = try Entity.fold(nil, kind: stream.kind) { () throws(StoreError) -> RecordedEvent? in
            while k < order.count {
                let e = events[order[k]]
                k += 1
                if e.validFrom <= valid.microseconds {
                    frontier = e.validFrom
                    return try decode(e, stream)
                }
                pending.append((stream.kind, e.seq))
            }
            return nil
        }
        return frontier.map { Snapshot.Stream(state: state, frontier: Timestamp(microseconds: $0)) }
    }

    private func decode(_ e: CompactEvent, _ stream: StreamID) throws(StoreError) -> RecordedEvent {
        let type = DomainEvent.typeNames[Int(e.type)]
        let json = Int(e.codec) == PayloadCodec.json.rawValue
        let (flat, stored, commandID) = withBytes(e) { payload, commandID -> (DomainEvent?, [UInt8], String) in
            let flat = json ? DomainEvent(type: type, version: Int(e.typeVersion), flatPayload: payload) : nil
            return (flat, flat == nil ? Array(payload) : [], String(decoding: commandID, as: UTF8.self))
        }
        let event: DomainEvent
        if let flat {
            event = flat
        } else {
            do {
                event = try PayloadCodec.event(type: type, version: Int(e.typeVersion), codec: Int(e.codec), payload: stored)
            } catch {
                throw StoreError.corruptEvent(seq: e.seq, reason: error.description)
            }
        }
        return RecordedEvent(
            seq: e.seq, stream: stream, streamRevision: Int(e.streamRevision), validFrom: Timestamp(microseconds: e.validFrom),
            recordedAt: Timestamp(microseconds: e.recordedAt), commandID: commandID, event: event)
    }

    /// The stored payload and command id bytes of `e`, wherever they are kept.
    private func withBytes<R>(_ e: CompactEvent, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        let p = Int(e.payloadCount), c = Int(e.commandIDCount)
        if e.bytesStart >= 0 { return body(arena.bytes(e.bytesStart, p), arena.bytes(e.bytesStart + p, c)) }
        var inline = e.inline
        return withUnsafeBytes(of: &inline) { b in
            body(UnsafeRawBufferPointer(rebasing: b[0..<p]), UnsafeRawBufferPointer(rebasing: b[p..<p + c]))
        }
    }
}

/// Memory for one value per thread of a `concurrentPerform`, each written by its own thread only.
struct Slots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
}

/// Bytes appended one after another: the stored payloads and command ids of a pass. Filled by
/// the scan (``Filling``), then only read, by the folding threads.
final class ByteArena: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer

    init(_ filled: Filling) { base = filled.base }

    deinit { base.deallocate() }

    func bytes(_ start: Int, _ n: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + start, count: n) }

    /// The arena while the scan fills it: a value, so appends pay no access checks.
    struct Filling {
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
    /// Every stream of `kind` with its number of events, in name order (a scan of the stream index).
    func streamCounts(of kind: EntityKind) throws -> [(stream: String, count: Int)] {
        try settle()
        let s = try db.cachedStatement(
            sql: "SELECT stream, count(*) FROM events WHERE stream >= ? AND stream < ? GROUP BY stream ORDER BY stream")
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        bindText(h, 1, kind.rawValue + "/")
        bindText(h, 2, kind.rawValue + "0")
        var out: [(stream: String, count: Int)] = []
        while try step(h) {
            out.append((String(cString: sqlite3_column_text(h, 0)), Int(sqlite3_column_int64(h, 1))))
        }
        return out
    }
}
