public import ChronicleCore
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// The reads and writes of snapshots (table `snapshots`, `schema/002_snapshots.sql`), and the
/// event reads a snapshot-based fold needs.
extension LogTransaction {
    /// The newest position known at `known`: `#SEQ` itself (at most the newest event), or the last
    /// event recorded at or before the time (0 when none). `recorded_at` never decreases with
    /// `seq`, so a binary search over positions finds it.
    /// - Complexity: O(log n) point reads.
    public func position(knownAt known: KnownAt) throws -> Int64 {
        guard let tip = try tail() else { return 0 }
        switch known {
        case .position(let seq): return max(0, min(seq, tip.seq))
        case .time(let k):
            if tip.recordedAt <= k { return tip.seq }
            let s = try db.cachedStatement(sql: "SELECT recorded_at FROM events WHERE seq = ?")
            let h = s.sqliteStatement
            func recordedAt(_ seq: Int64) throws -> Int64 {
                defer { sqlite3_reset(h) }
                sqlite3_bind_int64(h, 1, seq)
                guard try step(h) else { throw StoreError.corruptEvent(seq: seq, reason: "missing position") }
                return sqlite3_column_int64(h, 0)
            }
            // The last seq in [0, tip) whose recorded_at ≤ k (position 0: before the first event).
            var low: Int64 = 0, high = tip.seq
            while high - low > 1 {
                let mid = low + (high - low) / 2
                if try recordedAt(mid) <= k.microseconds { low = mid } else { high = mid }
            }
            return low
        }
    }

    /// ``LogQuery/advance(_:to:from:)`` inside this read: the snapshot of each of `kinds` as of
    /// `point`, from its snapshot in `previous` when usable there, else from the newest usable
    /// stored one; each answer says which streams it touched.
    public func advance(_ kinds: [EntityKind], to point: AsOf, from previous: [Snapshot] = []) throws -> [Snapshot.Advance] {
        try kinds.map { kind in
            try LogQuery.advance(kind, to: point, useSnapshots: true, from: previous.first { $0.kind == kind }, self).result
        }
    }

    /// Each of `snapshots` advanced in place to `point`, where each must be usable: not copied
    /// when nothing else holds their streams (a follower's state of many entities, moved by a
    /// few each step). A throw leaves them as they were.
    /// - Returns: for each, what undoes its move (``Snapshot/undo(_:)``) and which streams it touched.
    public func advance(_ snapshots: inout [Snapshot], to point: AsOf) throws -> [Snapshot.Move] {
        var moves: [Snapshot.Move] = []
        do {
            for i in snapshots.indices { moves.append(try advance(&snapshots[i], to: point)) }
        } catch {
            for (i, move) in moves.enumerated().reversed() { snapshots[i].undo(move) }
            throw error
        }
        return moves
    }

    /// `snapshot` advanced in place to `point`, where it must be usable. `undoable`: the move
    /// returned records what it replaced, and a throw leaves the snapshot as it was; otherwise
    /// (a fold going forward only) it records nothing, and a throw leaves it half moved.
    public func advance(_ snapshot: inout Snapshot, to point: AsOf, undoable: Bool = true) throws -> Snapshot.Move {
        try SnapshotAdvance().run(&snapshot, to: try position(knownAt: point.known), validAt: point.valid, undoable: undoable, self).move
    }

    /// The events of `kind`'s streams with seq in `(after, through]`, in log order.
    public func events(kind: EntityKind, after: Int64, through: Int64) throws -> [RecordedEvent] {
        try rows("SELECT \(Self.columns) FROM events WHERE seq > ? AND seq <= ? AND +stream >= ? AND +stream < ? ORDER BY seq") {
            sqlite3_bind_int64($0, 1, after)
            sqlite3_bind_int64($0, 2, through)
            bindText($0, 3, kind.rawValue + "/")
            bindText($0, 4, kind.rawValue + "0")
        }
    }

    /// The events at `positions` (those that exist, each once), in seq order: 500 positions per
    /// statement (a snapshot's pending list can hold thousands; one statement each cost more than
    /// the reads).
    public func events(at wanted: [Int64]) throws -> [RecordedEvent] {
        let positions = Set(wanted).sorted()
        let chunk = 500
        let sql =
            "SELECT \(Self.columns) FROM events WHERE seq IN (\(Array(repeating: "?", count: chunk).joined(separator: ","))) ORDER BY seq"
        var out: [RecordedEvent] = []
        out.reserveCapacity(positions.count)
        for start in stride(from: 0, to: positions.count, by: chunk) {
            let some = positions[start..<min(start + chunk, positions.count)]
            // Unused placeholders stay NULL, which no position equals.
            out += try rows(sql) { h in
                for (i, seq) in some.enumerated() { sqlite3_bind_int64(h, Int32(i + 1), seq) }
            }
        }
        return out.sorted { $0.seq < $1.seq }
    }

    /// The newest stored snapshot of `kind` usable as of `(valid, #position)`, of this code's
    /// format; nil when there is none.
    public func newestSnapshot(of kind: EntityKind, usableAt valid: Timestamp, position: Int64) throws -> Snapshot? {
        try settle()
        let s = try db.cachedStatement(
            sql:
                "SELECT seq, codec, state FROM snapshots WHERE kind = ? AND seq <= ? AND valid_at <= ? AND format = ? ORDER BY seq DESC LIMIT 1"
        )
        let h = s.sqliteStatement
        defer { resetAndClear(h) }
        bindText(h, 1, kind.rawValue)
        sqlite3_bind_int64(h, 2, position)
        sqlite3_bind_int64(h, 3, valid.microseconds)
        sqlite3_bind_int64(h, 4, Int64(Snapshot.formatVersion))
        guard try step(h) else { return nil }
        let seq = sqlite3_column_int64(h, 0)
        guard let bytes = PayloadCodec.decode(codec: Int(sqlite3_column_int64(h, 1)), columnBlob(h, 2)),
            let snapshot = Snapshot(binary: bytes), snapshot.kind == kind, snapshot.position == seq
        else {
            throw StoreError.read(reason: "the \(kind) snapshot at #\(seq) cannot be read; `chronicle snapshot --drop` removes snapshots")
        }
        return snapshot
    }

    /// Stores `snapshot` (see ``EncodedSnapshot``); a snapshot of the same kind and position is replaced.
    public func insert(_ snapshot: Snapshot) throws { try insert(EncodedSnapshot(snapshot)) }

    /// Stores a snapshot encoded beforehand (off the writer's path: see ``Snapshotter``).
    public func insert(_ snapshot: EncodedSnapshot) throws {
        try settle()
        try db.execute(
            sql: "INSERT OR REPLACE INTO snapshots (kind, seq, valid_at, format, codec, state) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                snapshot.kind.rawValue, snapshot.position, snapshot.validAt.microseconds, Snapshot.formatVersion,
                snapshot.codec.rawValue, Data(snapshot.bytes),
            ])
    }

    /// Every stored snapshot: kind, position, valid time, stored bytes, and whether this code
    /// reads its format (one of an older format is ignored).
    public func snapshotSummaries() throws -> [(kind: String, position: Int64, validAt: Timestamp, bytes: Int, readable: Bool)] {
        try settle()
        return try Row.fetchAll(db, sql: "SELECT kind, seq, valid_at, length(state) AS bytes, format FROM snapshots ORDER BY seq, kind").map
        {
            ($0["kind"], $0["seq"], Timestamp(microseconds: $0["valid_at"]), $0["bytes"], ($0["format"] as Int) == Snapshot.formatVersion)
        }
    }

    /// Deletes every snapshot; returns how many there were.
    @discardableResult
    public func deleteSnapshots() throws -> Int {
        try settle()
        try db.execute(sql: "DELETE FROM snapshots")
        return db.changesCount
    }

    /// The newest position of a snapshot of this code's format, of any kind (0 when none).
    public func newestSnapshotPosition() throws -> Int64 {
        try settle()
        return try Int64.fetchOne(db, sql: "SELECT max(seq) FROM snapshots WHERE format = ?", arguments: [Snapshot.formatVersion]) ?? 0
    }
}

/// A snapshot as the table stores it: its binary form (``Snapshot/binary``), LZ4-compressed when
/// that is smaller (the codecs of payloads: 0 as is, 1 LZ4).
public struct EncodedSnapshot: Sendable {
    public let kind: EntityKind
    public let position: Int64
    public let validAt: Timestamp
    let codec: PayloadCodec
    let bytes: [UInt8]

    public init(_ snapshot: Snapshot) {
        kind = snapshot.kind
        position = snapshot.position
        validAt = snapshot.validAt
        (codec, bytes) = PayloadCodec.encode(snapshot.binary)
    }
}
