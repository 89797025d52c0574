internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// One thread's part of a pass's scan: the rows in a range of positions, each put straight into
/// its stream's next slot, from the front or from the back (see ``StreamRangePass``).
struct HalfScan: Sendable {
    /// What both parts share: where each stream's slots are.
    struct SlotMap: @unchecked Sendable {  // immutable; the two scans write disjoint slots of records (front and back)
        let table: NameTable
        let starts: [Int]
        let limits: [Int]
        let kinds: Set<EntityKind>
        /// The first and last stream names of the pass.
        let first: String
        let last: String
        let records: UnsafeSharedSlots<CompactEvent>
    }

    let layout: SlotMap
    let fromBack: Bool
    private(set) var counts: [Int]
    private var arena: ByteArena?

    init(_ layout: SlotMap, fromBack: Bool) {
        self.layout = layout
        self.fromBack = fromBack
        counts = [Int](repeating: 0, count: layout.starts.count)
    }

    /// The arena the scan filled (an empty one when it did not run).
    mutating func finish() -> ByteArena {
        defer { arena = nil }
        return arena ?? ByteArena(ByteArena.Filling(capacity: 64))
    }

    /// Reads the rows with `after < seq ≤ through` of the pass's streams on connection `db`.
    mutating func scan(_ db: OpaquePointer, after: Int64, through: Int64) throws {
        var arena = ByteArena.Filling(capacity: 1 << 16)
        do {
            try scan(db, after: after, through: through, into: &arena)
        } catch {
            self.arena = ByteArena(arena)
            throw error
        }
        self.arena = ByteArena(arena)
    }

    private mutating func scan(_ db: OpaquePointer, after: Int64, through: Int64, into arena: inout ByteArena.Filling) throws {
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
        let types = StreamRangePass.typeTable, table = layout.table, records = layout.records.base
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
