import GRDBSQLite

/// Every row of a log's `events` table, read into memory (one byte arena for the texts and
/// blobs), so the baseline times the inserts and nothing else.
struct EventRows {
    /// One row; texts and blobs are ranges of ``bytes``.
    struct Row {
        var seq: Int64
        var stream: Range<Int>
        var streamRevision: Int64
        var type: Range<Int>
        var typeVersion: Int64
        var validFrom: Int64
        var recordedAt: Int64
        var commandID: Range<Int>
        var codec: Int64
        var payload: Range<Int>
        var hash: Range<Int>
    }

    static let selectAll =
        "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash FROM events ORDER BY seq"
    static let insert =
        "INSERT INTO events (seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)"

    private(set) var rows: [Row] = []
    private(set) var bytes: [UInt8] = []

    var count: Int { rows.count }

    /// Reads every event of the log at `path`, in `seq` order.
    /// - Complexity: O(rows).
    init(logAt path: String) throws {
        let db = try RawDatabase(path: path, readOnly: true)
        let statement = try db.prepare(Self.selectAll)
        defer { sqlite3_finalize(statement) }
        rows.reserveCapacity(Int(try db.integer("SELECT count(*) FROM events")))
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw BenchError.sqlite(path: path, message: db.lastError) }
            rows.append(
                Row(
                    seq: sqlite3_column_int64(statement, 0), stream: copy(statement, 1),
                    streamRevision: sqlite3_column_int64(statement, 2), type: copy(statement, 3),
                    typeVersion: sqlite3_column_int64(statement, 4), validFrom: sqlite3_column_int64(statement, 5),
                    recordedAt: sqlite3_column_int64(statement, 6), commandID: copy(statement, 7),
                    codec: sqlite3_column_int64(statement, 8), payload: copy(statement, 9), hash: copy(statement, 10)))
        }
    }

    private mutating func copy(_ statement: OpaquePointer, _ column: Int32) -> Range<Int> {
        let start = bytes.count
        let n = Int(sqlite3_column_bytes(statement, column))
        if n > 0, let p = sqlite3_column_blob(statement, column) {
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n))
        }
        return start..<bytes.count
    }

    /// Binds row `index` to a prepared ``insert`` statement. The bound texts and blobs point
    /// into `arena` (``bytes``), which must outlive the statement's next step.
    func bind(_ index: Int, to statement: OpaquePointer, arena: UnsafeBufferPointer<UInt8>) {
        let r = rows[index]
        let base = arena.baseAddress!
        func text(_ column: Int32, _ range: Range<Int>) {
            sqlite3_bind_text(
                statement, column, UnsafeRawPointer(base + range.lowerBound).assumingMemoryBound(to: CChar.self), Int32(range.count), nil)
        }
        func blob(_ column: Int32, _ range: Range<Int>) {
            sqlite3_bind_blob(statement, column, base + range.lowerBound, Int32(range.count), nil)
        }
        sqlite3_bind_int64(statement, 1, r.seq)
        text(2, r.stream)
        sqlite3_bind_int64(statement, 3, r.streamRevision)
        text(4, r.type)
        sqlite3_bind_int64(statement, 5, r.typeVersion)
        sqlite3_bind_int64(statement, 6, r.validFrom)
        sqlite3_bind_int64(statement, 7, r.recordedAt)
        text(8, r.commandID)
        sqlite3_bind_int64(statement, 9, r.codec)
        blob(10, r.payload)
        blob(11, r.hash)
    }
}
