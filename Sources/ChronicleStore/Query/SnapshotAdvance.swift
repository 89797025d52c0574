internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// A stored snapshot taken forward to `(V, #P)` from the log: the answer of
/// ``Snapshot/advanced(to:validAt:later:refold:)``, read and folded as compact records (see
/// ``Replay``) rather than as decoded events, for the later events and for the stale streams
/// read again by the stream index.
struct SnapshotAdvance {
    /// Stale streams whose events add up to more than `1/refoldScanShare` of the position asked
    /// for are folded again in one scan of the log (``Replay/refold(_:validAt:position:_:)``), not through the
    /// stream index: a row read by the index costs several times one read by a scan.
    var refoldScanShare = 20

    /// - Returns: the advanced snapshot, and how many events it read after the stored one (its
    ///   pending ones due by `valid` included).
    func run(_ base: Snapshot, to position: Int64, validAt valid: Timestamp, _ tx: LogTransaction) throws -> (
        advance: Snapshot.Advance, laterEvents: Int
    ) {
        precondition(base.isUsable(valid: valid, position: position), "a snapshot only goes forward")
        let kind = base.kind
        var names = StreamNames(kind: kind, known: base.streams.keys)
        let records = RecordList()
        // The snapshot's pending events due by `valid` (at or before its position), then every
        // event of the kind after it: all in seq order. The others stay pending.
        let due = base.pending.filter { $0.validFrom <= valid }
        try records.append(tx, positions: due.map(\.seq), names: &names)
        try records.append(tx, kind: kind, after: base.position, through: position, names: &names)
        let fold = records.fold

        // Each stream's records, in seq order.
        var starts = [Int](repeating: 0, count: names.count + 1)
        for i in 0..<records.count { starts[Int(records.streams[i]) + 1] += 1 }
        for i in 0..<names.count { starts[i + 1] += starts[i] }
        var positions = [Int](repeating: 0, count: records.count)
        var next = starts
        for i in 0..<records.count {
            let s = Int(records.streams[i])
            positions[next[s]] = i
            next[s] += 1
        }

        // A retraction of an event the snapshot's state may have folded (not one of its pending
        // ones) makes that state wrong. One of a pending event not due: it is pending no more.
        let wasPending = Set(base.pending.map(\.seq))
        var stale: Set<Int> = []
        var retracted: Set<Int64> = []
        for i in 0..<records.count where records.base[i].type == RecordFold.retraction {
            let s = Int(records.streams[i])
            guard case .eventRetracted(let target, _) = try fold.decode(records.base + i, names.stream(s)).event else { continue }
            retracted.insert(target)
            if target <= base.position && !wasPending.contains(target) { stale.insert(s) }
        }

        var out = Snapshot(kind: kind, position: position, validAt: valid, streams: base.streams, pending: [])
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        for s in 0..<names.count where starts[s] < starts[s + 1] && !stale.contains(s) {
            let id = names.id(s)
            switch try fold.foldStream(
                Array(positions[starts[s]..<starts[s + 1]]), names.stream(s), validAt: valid, from: base.streams[id], pending: &pending)
            {
            case .stale: stale.insert(s)
            case .folded(let state): out.streams[id] = state
            }
        }
        out.pending = base.pending.filter { $0.validFrom > valid && !retracted.contains($0.seq) } + pending.map(\.1)

        let refolded = stale.map { names.stream($0) }.sorted { $0.id < $1.id }
        if !refolded.isEmpty {
            let fresh = try refold(refolded, to: position, validAt: valid, tx)
            for stream in refolded { out.streams[stream.id] = fresh.streams[stream.id] }
            out.pending += fresh.pending
        }
        // A stale stream's pending events not due are carried over and folded again: once each.
        out.pending = Array(Set(out.pending)).sorted()
        return (Snapshot.Advance(snapshot: out, refolded: refolded), records.count)
    }

    /// `streams` folded again from all their events as of `(valid, #position)`.
    func refold(_ streams: [StreamID], to position: Int64, validAt valid: Timestamp, _ tx: LogTransaction) throws -> Snapshot.Refolded {
        let counts = try streams.map { try tx.newestRevision(of: $0) }
        if counts.reduce(0, +) * refoldScanShare > position {
            return try Replay().refold(streams, validAt: valid, position: position, tx)
        }
        var names = StreamNames(kind: streams[0].kind, known: [])
        let records = RecordList()
        for stream in streams { try records.append(tx, stream: stream, through: position, names: &names) }
        let fold = records.fold
        var out = Snapshot.Refolded(streams: [:], pending: [])
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        // One stream after another: each one's records lie together, in seq order.
        var start = 0
        while start < records.count {
            var end = start + 1
            while end < records.count, records.streams[end] == records.streams[start] { end += 1 }
            let stream = names.stream(Int(records.streams[start]))
            if case .folded(let state?) = try fold.foldStream(Array(start..<end), stream, validAt: valid, pending: &pending) {
                out.streams[stream.id] = state
            }
            start = end
        }
        out.pending = pending.map(\.1)
        return out
    }
}

/// The streams of one kind met while reading records, each given an index: those a snapshot
/// names, looked up by the bytes SQLite returns, and any new ones.
struct StreamNames {
    let kind: EntityKind
    private let table: NameTable
    private var ids: [String]
    private var added: [String: Int] = [:]

    init(kind: EntityKind, known: some Collection<String>) {
        self.kind = kind
        ids = Array(known)
        table = NameTable(ids.map { StreamID(kind, $0).description })
    }

    var count: Int { ids.count }
    func id(_ i: Int) -> String { ids[i] }
    func stream(_ i: Int) -> StreamID { StreamID(kind, ids[i]) }

    /// The index of the stream named `name` (`kind/id`, as stored).
    mutating func index(of name: UnsafeRawBufferPointer, seq: Int64) throws -> Int {
        if let i = table.index(of: name) { return i }
        let text = String(decoding: name, as: UTF8.self)
        if let i = added[text] { return i }
        guard let stream = StreamID(text), stream.kind == kind else {
            throw StoreError.corruptEvent(seq: seq, reason: "stream '\(text)' is not a \(kind) stream")
        }
        ids.append(stream.id)
        added[text] = ids.count - 1
        return ids.count - 1
    }
}

/// Records appended in the order read, each with its stream's index (see ``StreamNames``).
final class RecordList {
    private(set) var base: UnsafeMutablePointer<CompactEvent>
    private(set) var count = 0
    private var capacity = 1_024
    private(set) var streams: [Int32] = []
    private var filling = ByteArena.Filling(capacity: 1 << 16)
    private var sealed: ByteArena?

    init() { base = .allocate(capacity: capacity) }

    deinit { base.deallocate() }

    /// The bytes the records hold outside themselves; once asked for, nothing more is read.
    var arena: ByteArena {
        if let sealed { return sealed }
        var filled = ByteArena.Filling(capacity: 0)
        swap(&filled, &filling)
        let made = ByteArena(filled)
        sealed = made
        return made
    }

    /// A fold over the records (which keeps the list alive).
    var fold: RecordFold { RecordFold(base: UnsafePointer(base), arenas: [arena], owner: self) }

    /// Every row `h` gives.
    private func append(_ h: OpaquePointer, names: inout StreamNames) throws {
        precondition(sealed == nil, "records are read before they are folded")
        let types = StreamRangePass.typeTable
        // Filled as a local value (no access check per row), put back at the end.
        var arena = ByteArena.Filling(capacity: 0)
        swap(&arena, &filling)
        defer { swap(&arena, &filling) }
        while try LogTransaction.step(h) {
            let name = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 1), count: Int(sqlite3_column_bytes(h, 1)))
            let stream = try names.index(of: name, seq: sqlite3_column_int64(h, 0))
            if count == capacity {
                let grown = UnsafeMutablePointer<CompactEvent>.allocate(capacity: capacity * 2)
                grown.moveInitialize(from: base, count: count)
                base.deallocate()
                base = grown
                capacity *= 2
            }
            try CompactEvent.read(h, into: base + count, types: types, arena: &arena, arenaIndex: 0)
            streams.append(Int32(stream))
            count += 1
        }
    }

    /// The events of `kind` with seq in `(after, through]`, in seq order.
    func append(_ tx: LogTransaction, kind: EntityKind, after: Int64, through: Int64, names: inout StreamNames) throws {
        try tx.settle()
        let s = try tx.db.cachedStatement(
            sql: "SELECT \(CompactEvent.columns) FROM events WHERE seq > ? AND seq <= ? AND +stream >= ? AND +stream < ? ORDER BY seq")
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        sqlite3_bind_int64(h, 1, after)
        sqlite3_bind_int64(h, 2, through)
        bindText(h, 3, kind.rawValue + "/")
        bindText(h, 4, kind.rawValue + "0")
        try append(h, names: &names)
    }

    /// The events at `positions` (those that exist, each once), in seq order, 500 per statement.
    func append(_ tx: LogTransaction, positions wanted: [Int64], names: inout StreamNames) throws {
        let positions = Set(wanted).sorted()
        let chunk = 500
        try tx.settle()
        let s = try tx.db.cachedStatement(
            sql:
                "SELECT \(CompactEvent.columns) FROM events WHERE seq IN (\(Array(repeating: "?", count: chunk).joined(separator: ","))) ORDER BY seq"
        )
        let h = s.sqliteStatement
        for start in stride(from: 0, to: positions.count, by: chunk) {
            defer {
                sqlite3_reset(h)
                sqlite3_clear_bindings(h)
            }
            // Unused placeholders stay NULL, which no position equals.
            for (i, seq) in positions[start..<min(start + chunk, positions.count)].enumerated() {
                sqlite3_bind_int64(h, Int32(i + 1), seq)
            }
            try append(h, names: &names)
        }
    }

    /// The events of `stream` at or before `through`, in seq order, read by the stream index.
    func append(_ tx: LogTransaction, stream: StreamID, through: Int64, names: inout StreamNames) throws {
        try tx.settle()
        let s = try tx.db.cachedStatement(
            sql: "SELECT \(CompactEvent.columns) FROM events WHERE stream = ? AND +seq <= ? ORDER BY stream_rev")
        let h = s.sqliteStatement
        defer {
            sqlite3_reset(h)
            sqlite3_clear_bindings(h)
        }
        bindText(h, 1, stream.description)
        sqlite3_bind_int64(h, 2, through)
        try append(h, names: &names)
    }
}
