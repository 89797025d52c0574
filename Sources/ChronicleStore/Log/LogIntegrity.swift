public import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// The structural invariants of the log, checked row by row: the hash chain, gap-free `seq`,
/// per-stream revisions 1, 2, 3 …, `recorded_at` never decreasing, payloads decodable, each
/// event's type of its stream's kind; and each retraction names an earlier event that is not
/// itself a retraction, and lies on that event's stream (every reader folds a stream with the
/// retractions stored on it). A sound log's histories are then checked too, by a replay: events
/// that look impossible as known now (``Impossible``) are warnings, not damage.
public enum LogIntegrity {
    /// One thing wrong, at one position.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var what: String
        public var description: String { "seq \(seq): \(what)" }
    }

    /// What a full check found.
    public struct Report: Sendable, Equatable {
        /// Every problem, in log order; empty for a sound log.
        public var problems: [Problem] = []
        /// Events that look impossible in their history as known now: the first
        /// ``Impossible/Findings/limit`` in log order, and how many in all. Nil when they were
        /// not checked (a damaged log, or a check that asked for none).
        public var warnings: Impossible.Findings?
        /// Why the warnings could not be checked on a sound log (say, memory for a replay pass).
        public var warningsUnchecked: String?
        public var events = 0
        public var streams = 0
        /// The newest row's `seq` and stored hash (nil for an empty log).
        public var headSeq: Int64?
        public var headHash: [UInt8]?
        public var isSound: Bool { problems.isEmpty }
    }

    /// Every problem found, in log order (empty for a sound log); no warnings.
    /// - Complexity: O(n) over all rows; memory O(number of streams + retractions).
    public static func check(_ log: EventLog) throws -> [Problem] {
        try log.read { tx in try verify(tx, warnings: false) }.problems
    }

    /// The full report: problems, what was checked, and (for a sound log) the warnings.
    /// - Complexity: O(n) over all rows, twice for the warnings; memory O(number of streams +
    ///   retractions + task creations with a parent), plus one replay pass (see ``Replay``).
    public static func verify(_ log: EventLog) throws -> Report {
        try log.read { tx in try verify(tx, warnings: true) }
    }

    static func verify(_ tx: LogTransaction, warnings: Bool) throws -> Report {
        var report = Report()
        var previousHash = HashChain.genesis
        var expectedSeq: Int64 = 1
        var lastRecorded = Int64.min
        var revisions: [[UInt8]: Int] = [:]
        var computed: [UInt8] = []
        var scratch: [UInt8] = []
        var retractions: [(seq: Int64, stream: [UInt8], target: Int64)] = []
        var children: [(seq: Int64, stream: StreamID, parent: String, valid: Timestamp)] = []
        let statement = try tx.db.makeStatement(
            sql:
                "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash FROM events ORDER BY seq"
        )
        let h = statement.sqliteStatement
        var rc = sqlite3_step(h)
        defer { sqlite3_reset(h) }
        while rc == SQLITE_ROW {
            defer { rc = sqlite3_step(h) }
            let seq = sqlite3_column_int64(h, 0)
            func fail(_ what: String) { report.problems.append(Problem(seq: seq, what: what)) }
            // Texts are checked as the bytes stored, not as repaired strings.
            let stream = columnBlob(h, 1)
            let rev = Int(sqlite3_column_int64(h, 2))
            let type = columnBlob(h, 3)
            let version = Int(sqlite3_column_int64(h, 4))
            let valid = sqlite3_column_int64(h, 5)
            let recorded = sqlite3_column_int64(h, 6)
            let command = columnBlob(h, 7)
            let codec = Int(sqlite3_column_int64(h, 8))
            let payload = columnBlob(h, 9)
            let hash = columnBlob(h, 10)
            let streamName = String(decoding: stream, as: UTF8.self)
            report.events += 1
            if seq != expectedSeq {
                fail(seq < expectedSeq ? "seq repeats or goes back (expected \(expectedSeq))" : "seq \(expectedSeq) is missing")
            }
            expectedSeq = seq + 1
            if recorded < lastRecorded { fail("recorded_at goes back in time (\(recorded) < \(lastRecorded))") }
            lastRecorded = recorded
            let expectedRev = revisions[stream, default: 0] + 1
            if rev != expectedRev { fail("\(streamName) revision \(rev), expected \(expectedRev)") }
            revisions[stream] = rev
            let streamID = String(validating: stream, as: UTF8.self).flatMap(StreamID.init)
            if streamID == nil { fail("stream '\(CommandError.shown(streamName))' is not kind/id") }
            if let typeName = String(validating: type, as: UTF8.self) {
                if let streamID, typeName != "event.retracted", !typeName.hasPrefix(streamID.kind.rawValue + ".") {
                    fail("a \(CommandError.shown(typeName)) event on stream \(streamID)")
                }
                do {
                    let event = try PayloadCodec.event(type: typeName, version: version, codec: codec, payload: payload)
                    if case .eventRetracted(let target, _) = event { retractions.append((seq, stream, target)) }
                    if case .taskCreated(let spec, _, _) = event, let parent = spec.parent, let streamID {
                        children.append((seq, streamID, parent, Timestamp(microseconds: valid)))
                    }
                } catch {
                    fail("payload: \(error)")
                }
            } else {
                fail("type is not UTF-8 text")
            }
            HashChain.hash(
                previous: previousHash, seq: seq, stream: stream, streamRevision: rev, type: type, typeVersion: version,
                validFrom: valid, recordedAt: recorded, commandID: command, codec: codec, payload: payload, scratch: &scratch,
                into: &computed)
            if computed != hash {
                fail(
                    hash.count == 32
                        ? "hash does not match the row's content and the previous hash"
                        : "hash has \(hash.count) bytes, not 32")
            }
            previousHash = hash
            report.headSeq = seq
            report.headHash = hash
        }
        if rc != SQLITE_DONE {
            throw StoreError.read(reason: String(cString: sqlite3_errmsg(sqlite3_db_handle(h))))
        }
        report.streams = revisions.count
        try checkTargets(of: retractions, tx, into: &report)
        guard warnings, report.problems.isEmpty else { return report }
        guard let head = report.headSeq else {
            report.warnings = Impossible.Findings()
            return report
        }
        do {
            var found = try Replay().impossibleEvents(of: [.task, .memory, .workflow], position: head, tx)
            // A task made with a parent: the decider refuses it unless the parent exists at its
            // valid time; another stream, so not the replay's per-stream check.
            let retracted = Set(retractions.map(\.target))
            for child in children where !retracted.contains(child.seq) {
                let parent = StreamID(.task, child.parent)
                if try LogQuery.entity(parent, asOf: AsOf(valid: child.valid, known: .position(head)), tx) == nil {
                    found.add(
                        Impossible(
                            seq: child.seq, stream: child.stream,
                            reason: "its parent task '\(CommandError.shown(child.parent))' does not exist at its valid time"))
                }
            }
            found.listed.sort { $0.seq < $1.seq }
            report.warnings = found
        } catch {
            report.warningsUnchecked = "\(error)"
        }
        return report
    }
}

extension LogIntegrity {
    /// Each retraction's target, read by position (retractions are few); problems merged into
    /// the report in log order.
    static func checkTargets(
        of retractions: [(seq: Int64, stream: [UInt8], target: Int64)], _ tx: LogTransaction, into report: inout Report
    )
        throws
    {
        guard !retractions.isEmpty else { return }
        let statement = try tx.db.makeStatement(sql: "SELECT stream, type FROM events WHERE seq = ?")
        let h = statement.sqliteStatement
        var found: [Problem] = []
        for r in retractions {
            func fail(_ what: String) { found.append(Problem(seq: r.seq, what: "retraction of #\(r.target): \(what)")) }
            guard r.target < r.seq else {
                fail("not an earlier event")
                continue
            }
            sqlite3_reset(h)
            sqlite3_bind_int64(h, 1, r.target)
            let rc = sqlite3_step(h)
            guard rc == SQLITE_ROW else {
                if rc != SQLITE_DONE { throw StoreError.read(reason: String(cString: sqlite3_errmsg(sqlite3_db_handle(h)))) }
                fail("no such event")
                continue
            }
            let stream = columnBlob(h, 0)
            if columnBlob(h, 1) == Array("event.retracted".utf8) { fail("itself a retraction") }
            if stream != r.stream {
                fail(
                    "stored on \(CommandError.shown(String(decoding: r.stream, as: UTF8.self))), not on its target's stream \(CommandError.shown(String(decoding: stream, as: UTF8.self))): readers fold a stream with the retractions on it, so this one retracts nothing"
                )
            }
        }
        sqlite3_reset(h)
        guard !found.isEmpty else { return }
        // Both lists are in log order; a stable sort keeps a row's problems together.
        report.problems = (report.problems + found).enumerated().sorted { ($0.element.seq, $0.offset) < ($1.element.seq, $1.offset) }
            .map(\.element)
    }
}
