internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

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
        defer { resetAndClear(h) }
        sqlite3_bind_int64(h, 1, after)
        sqlite3_bind_int64(h, 2, through)
        bindText(h, 3, kind.rawValue + "/")
        bindText(h, 4, kind.rawValue + "0")
        try append(h, names: &names)
    }

    static let positionsPerStatement = 500
    /// The statement reading the events at up to ``positionsPerStatement`` positions, made once.
    static let byPositions =
        "SELECT \(CompactEvent.columns) FROM events WHERE seq IN (\(Array(repeating: "?", count: positionsPerStatement).joined(separator: ","))) ORDER BY seq"

    /// The events at `positions` (those that exist, each once), in seq order, 500 per statement.
    func append(_ tx: LogTransaction, positions wanted: [Int64], names: inout StreamNames) throws {
        guard !wanted.isEmpty else { return }
        let positions = Set(wanted).sorted()
        try tx.settle()
        let s = try tx.db.cachedStatement(sql: Self.byPositions)
        let h = s.sqliteStatement
        let chunk = Self.positionsPerStatement
        for start in stride(from: 0, to: positions.count, by: chunk) {
            defer { resetAndClear(h) }
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
        defer { resetAndClear(h) }
        bindText(h, 1, stream.description)
        sqlite3_bind_int64(h, 2, through)
        try append(h, names: &names)
    }
}
