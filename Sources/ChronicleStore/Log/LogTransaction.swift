public import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// The log inside one transaction: the append primitives and the reads an appender needs.
///
/// Statements are prepared once per connection and bound with the SQLite C API directly:
/// the append path is the hot path.
public final class LogTransaction {
    let db: Database
    let hot: HotStatements
    let encoder: EventEncoder
    /// When set, writes are handed to the writing thread and reads first wait for it.
    private(set) var pipeline: WritePipeline?
    /// A connection of its own on the log's file (file logs), for the reads that need only what
    /// was committed before this transaction began: while writes are handed over, those read
    /// there and do not wait for the writing thread.
    private var committed: ReadConnection?
    /// The command ids this transaction recorded, with their acks and fingerprints: the
    /// committed connection does not see them.
    private var recordedCommands: [String: StoredCommand] = [:]

    init(_ db: Database, _ hot: HotStatements, _ encoder: EventEncoder) {
        self.db = db
        self.hot = hot
        self.encoder = encoder
    }

    /// From now until ``finishPipelining()``, inserts and command records are
    /// executed by `pipeline`'s thread, in order, while the caller goes on deciding; every read
    /// waits until the writes before it are done, but for the reads of rows committed before the
    /// transaction began, which `committed` (when given) serves at once. For bulk groups.
    func startPipelining(_ pipeline: WritePipeline, committed: ReadConnection?) {
        self.pipeline = pipeline
        self.committed = committed
    }

    /// Prepares every statement the writing thread uses (it must not prepare any itself).
    func prepareHotStatements() throws {
        for kind in HotStatements.Kind.allCases { _ = try hot.statement(kind, db) }
    }

    /// Waits for every handed-off write; throws the first error the writing thread met.
    func finishPipelining() throws {
        guard let p = pipeline else { return }
        pipeline = nil
        committed?.releaseSnapshot()
        try p.drain()
    }

    func settle() throws {
        try pipeline?.drain()
    }

    /// The newest event's position, recorded time and hash; nil for an empty log.
    public func tail() throws -> (seq: Int64, recordedAt: Timestamp, hash: [UInt8])? {
        try settle()
        let s = try db.cachedStatement(sql: "SELECT seq, recorded_at, hash FROM events ORDER BY seq DESC LIMIT 1")
        let h = s.sqliteStatement
        defer { sqlite3_reset(h) }
        guard try step(h) else { return nil }
        return (sqlite3_column_int64(h, 0), Timestamp(microseconds: sqlite3_column_int64(h, 1)), columnBlob(h, 2))
    }

    /// Events after position `seq`, in log order; at most `limit` of them when given.
    public func events(after seq: Int64, limit: Int? = nil) throws -> [RecordedEvent] {
        guard let limit else {
            return try rows("SELECT \(Self.columns) FROM events WHERE seq > ? ORDER BY seq") { sqlite3_bind_int64($0, 1, seq) }
        }
        return try rows("SELECT \(Self.columns) FROM events WHERE seq > ? ORDER BY seq LIMIT ?") {
            sqlite3_bind_int64($0, 1, seq)
            sqlite3_bind_int64($0, 2, Int64(limit))
        }
    }

    /// Every event of one stream, in log order.
    ///
    /// With `committedOnly`, the caller knows this transaction wrote nothing on the stream (its
    /// events were all committed before the transaction began): while writes are handed over,
    /// the read then does not wait for them.
    public func events(stream: StreamID, committedOnly: Bool = false) throws -> [RecordedEvent] {
        let name = stream.description
        return try rows("SELECT \(Self.columns) FROM events WHERE stream = ? ORDER BY stream_rev", committedOnly: committedOnly) {
            bindText($0, 1, name)
        }
    }

    /// The highest counter `n` of an id `<slug>_<n>` (3 to 9 digits) among the streams of `kind`
    /// (tasks or workflows) that have a creation event committed before this transaction began,
    /// or nil when there is none: the counter ``IDAllocator`` keeps, read without a fold.
    /// - Complexity: O(log events + creations whose id starts with `<slug>_`), through the
    ///   `events_creations` index.
    func highestCounter(of kind: EntityKind, slug: String) throws -> Int? {
        let type = kind == .task ? "task.created" : "workflow.started"
        let low = "\(kind.rawValue)/\(slug)_"
        let high = "\(kind.rawValue)/\(slug)`"  // "`" is the byte after "_"
        let h = try readStatement(
            "SELECT stream FROM events WHERE type = '\(type)' AND stream >= ? AND stream < ?", committedOnly: true)
        defer { resetAndClear(h) }
        bindText(h, 1, low)
        bindText(h, 2, high)
        let prefix = low.utf8.count
        var highest: Int?
        while try step(h) {
            guard let p = sqlite3_column_text(h, 0) else { continue }
            let n = Int(sqlite3_column_bytes(h, 0))
            let digits = UnsafeBufferPointer(start: p + prefix, count: max(0, n - prefix))
            guard (3...9).contains(digits.count), digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                continue
            }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            highest = max(highest ?? value, value)
        }
        return highest
    }

    /// The tasks whose events, committed before this transaction began, ever named the
    /// context-cascade path `path`, in no particular order.
    func tasksNaming(contextPath path: String) throws -> [String] {
        let h = try readStatement("SELECT task FROM context_paths WHERE path = ?", committedOnly: true)
        defer { resetAndClear(h) }
        bindText(h, 1, path)
        var tasks: [String] = []
        while try step(h) { tasks.append(text(h, 0)) }
        return tasks
    }

    /// Events after position `seq` exactly as stored (payload at its stored version, not upcast),
    /// at most `limit` of them: what `chronicle tail` prints and ``EventLog/importEvents(_:)`` reads.
    public func exported(after seq: Int64, limit: Int) throws -> [ExportedEvent] {
        try settle()
        let s = try db.cachedStatement(
            sql:
                "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
        )
        let h = s.sqliteStatement
        defer { resetAndClear(h) }
        sqlite3_bind_int64(h, 1, seq)
        sqlite3_bind_int64(h, 2, Int64(limit))
        var out: [ExportedEvent] = []
        while try step(h) {
            let seq = sqlite3_column_int64(h, 0)
            let streamName = text(h, 1)
            guard let stream = StreamID(streamName) else { throw StoreError.corruptEvent(seq: seq, reason: "bad stream '\(streamName)'") }
            guard let json = PayloadCodec.decode(codec: Int(sqlite3_column_int64(h, 8)), columnBlob(h, 9)),
                let payload = try? JSONParser.parse(bytes: json)
            else { throw StoreError.corruptEvent(seq: seq, reason: "payload cannot be read") }
            out.append(
                ExportedEvent(
                    seq: seq, stream: stream, streamRevision: Int(sqlite3_column_int64(h, 2)), type: text(h, 3),
                    typeVersion: Int(sqlite3_column_int64(h, 4)), validFrom: Timestamp(microseconds: sqlite3_column_int64(h, 5)),
                    recordedAt: Timestamp(microseconds: sqlite3_column_int64(h, 6)), commandID: text(h, 7), payload: payload))
        }
        return out
    }

    /// Every event of every stream of one kind, grouped by stream (streams in name order, each
    /// stream's events in log order). Reads the `(stream, stream_rev)` index's range of the kind.
    public func events(kind: EntityKind) throws -> [RecordedEvent] {
        // Every stream of the kind lies in ["kind/", "kind0"): "0" is the byte after "/".
        let low = kind.rawValue + "/"
        let high = kind.rawValue + "0"
        return try rows("SELECT \(Self.columns) FROM events WHERE stream >= ? AND stream < ? ORDER BY stream, stream_rev") {
            bindText($0, 1, low)
            bindText($0, 2, high)
        }
    }

    /// The event at `seq`, if there is one.
    public func event(at seq: Int64) throws -> RecordedEvent? {
        try rows("SELECT \(Self.columns) FROM events WHERE seq = ?") { sqlite3_bind_int64($0, 1, seq) }.first
    }

    /// Positions of every event a retraction names.
    public func retractedPositions() throws -> Set<Int64> {
        Set(
            try rows("SELECT \(Self.columns) FROM events WHERE type = 'event.retracted'") { _ in }.compactMap { e -> Int64? in
                if case .eventRetracted(let seq, _) = e.event { return seq }
                return nil
            })
    }

    /// The ack and fingerprint stored for a command id. Does not wait for the writing thread:
    /// the ids this transaction recorded are kept aside. Nil without a look at the log while
    /// ``assumesNewCommandIDs`` is set (the ids of this transaction are then not kept either).
    public func storedCommand(id: String) throws -> StoredCommand? {
        if let recorded = recordedCommands[id] { return recorded }
        if assumesNewCommandIDs { return nil }
        return try committedCommand(id: id)
    }

    /// What the log holds for a command id from before this transaction (the first event's
    /// `command_ack` and `command_fingerprint`, or a row of `commands` from before version 4).
    public func committedCommand(id: String) throws -> StoredCommand? {
        try command(id: id, committedOnly: true)
    }

    /// What the log holds for a command id, counting this transaction's rows (waits for the
    /// writing thread): under ``assumesNewCommandIDs``, for a command that appended nothing.
    public func anyRecordedCommand(id: String) throws -> StoredCommand? {
        try command(id: id, committedOnly: false)
    }

    private func command(id: String, committedOnly: Bool) throws -> StoredCommand? {
        let h = try readStatement(
            "SELECT command_ack, command_fingerprint FROM events WHERE command_id = ? AND command_ack IS NOT NULL",
            committedOnly: committedOnly)
        defer { sqlite3_reset(h) }
        bindText(h, 1, id)
        if try step(h) { return StoredCommand(ack: columnBlob(h, 0), fingerprint: columnBlob(h, 1)) }
        guard hasLegacyCommands else { return nil }
        let legacy = try readStatement("SELECT ack, fingerprint FROM commands WHERE command_id = ?", committedOnly: committedOnly)
        defer { sqlite3_reset(legacy) }
        bindText(legacy, 1, id)
        guard try step(legacy) else { return nil }
        return StoredCommand(ack: columnBlob(legacy, 0), fingerprint: columnBlob(legacy, 1))
    }

    /// Whether the `commands` table holds ids (recorded by builds before version 4).
    public private(set) lazy var hasLegacyCommands: Bool = {
        guard let h = try? readStatement("SELECT 1 FROM commands LIMIT 1", committedOnly: true) else { return true }
        defer { sqlite3_reset(h) }
        return (try? step(h)) ?? true
    }()

    /// While writes are handed to the writing thread: ``storedCommand(id:)`` answers for the ids
    /// of this transaction only, and recording an id the log already holds fails the transaction
    /// with ``CommandIDRecordedBefore`` (the insert of the command's first event finds it in the
    /// unique index `events_command_ids`) instead of being looked up first. For a bulk group of
    /// new ids this takes the look-up off the deciding thread; the appender decides the group
    /// again, looking every id up, when the guess was wrong.
    public private(set) var assumesNewCommandIDs = false

    /// Sets ``assumesNewCommandIDs`` for the rest of this transaction when its writes are handed
    /// over and the log holds no ids from before version 4 (the unique index does not see
    /// those); returns whether it is set.
    @discardableResult
    func assumeNewCommandIDs() throws -> Bool {
        assumesNewCommandIDs = pipeline != nil && !hasLegacyCommands
        return assumesNewCommandIDs
    }

    /// A command id this transaction recorded was in the log already (found by the insert,
    /// under ``assumesNewCommandIDs``): nothing of the transaction may be committed.
    public struct CommandIDRecordedBefore: Error, CustomStringConvertible {
        public var description: String { "a command id of the group was recorded before it" }
    }

    /// Keeps aside that this transaction recorded `id` (its record goes in with the command's
    /// first event, ``PendingEvent/command``), for ``storedCommand(id:)``.
    func noteRecorded(id: String, _ record: StoredCommand) {
        if !assumesNewCommandIDs { recordedCommands[id] = record }
    }

    /// Records a command id in the `commands` table, as builds before version 4 did (for tests
    /// of the logs they wrote).
    func recordLegacyCommand(id: String, firstSeq: Int64, fingerprint: [UInt8], ack: [UInt8]) throws {
        try settle()
        let h = try db.cachedStatement(sql: "INSERT INTO commands (command_id, first_seq, fingerprint, ack) VALUES (?, ?, ?, ?)")
            .sqliteStatement
        defer { sqlite3_reset(h) }
        bindText(h, 1, id)
        sqlite3_bind_int64(h, 2, firstSeq)
        bindBlob(h, 3, fingerprint)
        bindBlobAsText(h, 4, ack)
        _ = try step(h)
        hasLegacyCommands = true
    }

    /// Inserts one event: its payload is encoded and its hash chained to the newest event's. A
    /// context-cascade path it names goes into `context_paths`.
    func insert(_ e: PendingEvent) throws {
        if let pipeline { return pipeline.enqueue(.event(e)) }
        try encoder.insert(e, with: try hot.statement(.insert, db))
        if let path = e.event.namedContextPath { try recordContextPath(path, task: e.stream.id) }
    }

    /// Notes in `context_paths` that `task` named the context-cascade path `path` (imports and
    /// the migration that fills the table; appended events go through ``insert(_:)``).
    func recordContextPath(_ path: String, task: String) throws {
        try settle()
        try Self.recordContextPath(try hot.statement(.recordContextPath, db), path: path, task: task)
    }

    static func recordContextPath(_ h: OpaquePointer, path: String, task: String) throws {
        defer { sqlite3_reset(h) }
        bindText(h, 1, path)
        bindText(h, 2, task)
        _ = try step(h)
    }

    /// Chains the events this transaction inserts to the event whose hash is `hash` (the newest).
    func startChain(after hash: [UInt8]) throws {
        try settle()
        encoder.start(after: hash)
    }

    /// The hash of the newest event, counting the ones this transaction inserted.
    func chainHead() throws -> [UInt8] {
        try settle()
        return encoder.head
    }

    static let columns = "seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload"

    /// A statement to read with. A read of rows committed before this transaction began
    /// (`committedOnly`) goes to the committed connection while writes are handed over; any
    /// other read first waits for the writes handed over before it.
    private func readStatement(_ sql: String, committedOnly: Bool) throws -> OpaquePointer {
        if committedOnly, pipeline != nil, let committed {
            try committed.holdSnapshot()
            return try committed.statement(sql)
        }
        try settle()
        return try db.cachedStatement(sql: sql).sqliteStatement
    }

    func rows(_ sql: String, committedOnly: Bool = false, bind: (OpaquePointer) -> Void) throws -> [RecordedEvent] {
        let h = try readStatement(sql, committedOnly: committedOnly)
        defer { resetAndClear(h) }
        bind(h)
        var out: [RecordedEvent] = []
        while try step(h) {
            let seq = sqlite3_column_int64(h, 0)
            let streamName = text(h, 1)
            guard let stream = StreamID(streamName) else { throw StoreError.corruptEvent(seq: seq, reason: "bad stream '\(streamName)'") }
            let type = text(h, 3)
            let version = Int(sqlite3_column_int64(h, 4))
            let event: DomainEvent
            do {
                event = try PayloadCodec.event(
                    type: type, version: version, codec: Int(sqlite3_column_int64(h, 8)), payload: columnBlob(h, 9))
            } catch {
                throw StoreError.corruptEvent(seq: seq, reason: error.description)
            }
            out.append(
                RecordedEvent(
                    seq: seq, stream: stream, streamRevision: Int(sqlite3_column_int64(h, 2)),
                    validFrom: Timestamp(microseconds: sqlite3_column_int64(h, 5)),
                    recordedAt: Timestamp(microseconds: sqlite3_column_int64(h, 6)), commandID: text(h, 7), event: event))
        }
        return out
    }

    func step(_ h: OpaquePointer) throws -> Bool { try Self.step(h) }

    static func step(_ h: OpaquePointer) throws -> Bool {
        let rc = sqlite3_step(h)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw StoreError.write(reason: String(cString: sqlite3_errmsg(sqlite3_db_handle(h))))
    }

    private func text(_ h: OpaquePointer, _ i: Int32) -> String {
        guard let p = sqlite3_column_text(h, i) else { return "" }
        return String(cString: p)
    }

}
