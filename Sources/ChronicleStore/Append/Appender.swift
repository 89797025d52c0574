public import ChronicleCore
public import Logging

/// Turns parsed input lines into committed events and acks: group commit (a command's rows are
/// committed with its group or not at all), exactly-once command ids, and catch-up with other appenders before deciding.
public final class Appender {
    /// One input line, numbered from 1, as the reader parsed it.
    public struct Line: Sendable {
        public var number: Int
        public var parsed: Result<(Command, Envelope), CommandError>
        /// The ``CommandFingerprint`` of a command with an id, computed where the line is made
        /// (the reading thread, off the deciding one).
        let fingerprint: [UInt8]?

        public init(number: Int, parsed: Result<(Command, Envelope), CommandError>) {
            self.number = number
            self.parsed = parsed
            if case .success(let (command, envelope)) = parsed, envelope.commandID != nil {
                fingerprint = CommandFingerprint.of(command, envelope)
            } else {
                fingerprint = nil
            }
        }
    }

    public let log: EventLog
    public let decider: Decider
    let clock: any RecordingClock
    let logger: Logger
    /// How ``live`` is opened (and opened again after a failed group).
    public let opening: LiveState.Opening
    public private(set) var live = LiveState()
    /// Set when a group failed: the in-memory view may hold what was rolled back.
    private var stale = false
    /// Set when the last bulk group met an id the log held already: the next one looks every id
    /// up before deciding instead of assuming it new (``LogTransaction/assumesNewCommandIDs``).
    private var lookUpEveryID = false
    /// Groups of at least this many lines overlap deciding with writing (two threads);
    /// smaller ones, interactive lines above all, are written inline.
    static let pipelineThreshold = 64
    /// Takes snapshots as the log grows, when set: told after every commit; what it computed is
    /// stored by the next commit (or ``storeReadySnapshots()``).
    public var snapshotter: Snapshotter?
    /// The task `ts:auto` names: the one created last on this appender's input.
    public private(set) var lastCreatedTask: String?

    /// Opens an appender on `log`: ``LiveState/Opening/lazily`` (the default) reads the log's
    /// newest event only, and each stream when a command first touches it.
    /// - Complexity: O(1) lazily; O(events in the log) ``LiveState/Opening/byFoldingEverything``.
    public init(
        log: EventLog, decider: Decider = Decider(), clock: any RecordingClock, logger: Logger, opening: LiveState.Opening = .lazily
    ) throws {
        self.log = log
        self.decider = decider
        self.clock = clock
        self.logger = logger
        self.opening = opening
        live = try log.read { tx in try LiveState(opening, tx) }
    }

    /// Decides and commits `lines` in one transaction; one ack per line, in order.
    ///
    /// A refused line appends nothing and leaves the others alone. Throws only when the log
    /// itself cannot be read or written: then nothing of this group is committed, and the next
    /// call starts again from what the log holds. With `stopAtFirstError`, processing stops after
    /// the first error ack: the lines before it are committed, the ones after it are neither
    /// processed nor acked.
    /// - Complexity: O(lines) in the usual case; a command with a valid time before its
    ///   stream's newest one also reads and folds that stream.
    public func append(_ lines: [Line], stopAtFirstError: Bool = false) throws -> [Ack] {
        try append(chunks: [lines], stopAtFirstError: stopAtFirstError)
    }

    /// ``append(_:stopAtFirstError:)`` of the lines of `chunks`, in order, as one group (the
    /// reading thread's chunks, without copying them into one array).
    public func append(chunks: [[Line]], stopAtFirstError: Bool = false) throws -> [Ack] {
        if stale {
            live = try log.read { tx in try LiveState(opening, tx) }
            stale = false
        }
        let lastCreatedBefore = lastCreatedTask
        stale = true
        let acks: [Ack]
        do {
            do {
                acks = try group(chunks, stopAtFirstError: stopAtFirstError)
            } catch is LogTransaction.CommandIDRecordedBefore where !lookUpEveryID {
                // A repeated id in a group decided as if its ids were new: nothing of it was
                // committed; decide it again from the log, looking each id up first.
                logger.debug("a command id was repeated: the group is decided again, ids looked up")
                lookUpEveryID = true
                lastCreatedTask = lastCreatedBefore
                live = try log.read { tx in try LiveState(opening, tx) }
                acks = try group(chunks, stopAtFirstError: stopAtFirstError)
            }
        } catch {
            lastCreatedTask = lastCreatedBefore
            throw error
        }
        stale = false
        snapshotter?.logGrew(to: live.lastSeq)
        return acks
    }

    private func group(_ chunks: [[Line]], stopAtFirstError: Bool) throws -> [Ack] {
        let count = chunks.reduce(0) { $0 + $1.count }
        // Snapshots computed since the last commit go in this one; back to the snapshotter if it fails.
        let ready = snapshotter?.takeReady() ?? []
        var committed = false
        defer { if !committed { snapshotter?.putBack(ready) } }
        let acks = try log.write { tx in
            try catchUp(tx)
            for s in ready { try tx.insert(s) }
            try tx.startChain(after: live.lastHash)
            // A bulk group's inserts run on the writing thread while the next commands are decided.
            if count >= Self.pipelineThreshold {
                try log.pipelineWrites(tx)
                if !lookUpEveryID { try tx.assumeNewCommandIDs() }
            }
            repeatsFound = 0
            var acks: [Ack] = []
            acks.reserveCapacity(count)
            lines: for chunk in chunks {
                for i in chunk.indices {
                    switch chunk[i].parsed {
                    case .failure(let error):
                        acks.append(.error(error, line: chunk[i].number))
                    case .success(let (command, envelope)):
                        acks.append(try process(chunk[i], command, envelope, tx))
                    }
                    if stopAtFirstError, acks.last?.isError == true { break lines }
                }
            }
            live.lastHash = try tx.chainHead()
            return acks
        }
        committed = true
        // Retries come in runs: keep looking ids up while groups find repeats.
        if lookUpEveryID, count >= Self.pipelineThreshold, repeatsFound == 0 { lookUpEveryID = false }
        return acks
    }

    deinit { snapshotter?.stop() }

    /// Stores the snapshots the snapshotter computed since the last commit (at the end of input).
    public func storeReadySnapshots() throws {
        guard let ready = snapshotter?.takeReady(), !ready.isEmpty else { return }
        try log.write { tx in for s in ready { try tx.insert(s) } }
    }

    /// Folds the events other processes appended since this one last looked.
    private func catchUp(_ tx: LogTransaction) throws {
        guard let tail = try tx.tail(), tail.seq > live.lastSeq else { return }
        let events = try tx.events(after: live.lastSeq)
        for e in events { try live.apply(e, in: tx) }
        live.lastHash = tail.hash
        if !events.isEmpty {
            logger.debug("caught up", metadata: ["log.seq": "\(tail.seq)", "log.events": "\(events.count)"])
        }
    }

    /// Repeated ids the group being decided found (in the log or earlier in the group).
    private var repeatsFound = 0

    private func process(_ line: Line, _ command: Command, _ envelope: Envelope, _ tx: LogTransaction) throws -> Ack {
        let fingerprint = envelope.commandID == nil ? nil : line.fingerprint ?? CommandFingerprint.of(command, envelope)
        if let id = envelope.commandID, let stored = try tx.storedCommand(id: id) {
            return repeated(id, stored, fingerprint ?? [], command, envelope, line: line.number)
        }
        let ack = try decide(command, envelope, fingerprint: fingerprint, line: line.number, tx)
        // Under assumed-new ids, a repeat that decides to append is found by the insert of its id;
        // one that appends nothing (refused, or a no-op) is looked up here.
        if tx.assumesNewCommandIDs, let id = envelope.commandID, ack.isError || !appended,
            let stored = try tx.anyRecordedCommand(id: id)
        {
            return repeated(id, stored, fingerprint ?? [], command, envelope, line: line.number)
        }
        return ack
    }

    /// Whether the last ``decide(_:_:fingerprint:line:_:)`` appended events.
    private var appended = false

    /// The ack of a command whose id was used before: the stored ack, when it is the same command.
    private func repeated(
        _ id: String, _ stored: StoredCommand, _ fingerprint: [UInt8], _ command: Command,
        _ envelope: Envelope, line: Int
    ) -> Ack {
        repeatsFound += 1
        guard CommandFingerprint.matches(stored.fingerprint, fingerprint, command, envelope) else {
            return .error(
                CommandError(
                    .conflict, "command id '\(id)' was already used for a different command",
                    recovery: "use a new id for a new command; repeat an id only to retry the same command"), line: line)
        }
        let ack = Ack(stored: stored.ack)
        // A retried task creation is still "the task created last" for ts:auto.
        if case .taskCreate = command, let ack, ack.code == "tr", let id = ack.fields.first?.value.stringValue {
            lastCreatedTask = id
        }
        return ack
            ?? .error(
                CommandError(.storage, "the stored ack of command '\(id)' is unreadable", recovery: "run chronicle verify"), line: line)
    }

    /// Decides a command the log has not seen (by its id) and hands its rows to the transaction.
    private func decide(_ command: Command, _ envelope: Envelope, fingerprint: [UInt8]?, line: Int, _ tx: LogTransaction) throws -> Ack {
        appended = false
        do {
            let resolved = try Resolution.resolve(command, lastCreatedTask: lastCreatedTask, in: LiveIDs(live: live, tx: tx))
            let recordedAt = clock.recordedTime(after: live.lastRecordedAt)
            let validAt = envelope.validAt ?? recordedAt
            let state = try decisionState(for: resolved, asOf: validAt, tx)
            let decision = try decider.decide(resolved, envelope, given: state)
            guard !decision.events.isEmpty else { return decision.ack }
            appended = true
            // Every command is committed whole or not at all: its rows (its events, its command id)
            // go in this group's transaction, and any error writing them rolls the whole group
            // back (only a CommandError leaves the others standing, and writing throws none).
            let recorded = try write(
                decision, envelope: envelope, fingerprint: fingerprint, recordedAt: recordedAt, validAt: validAt, tx)
            for e in recorded { try live.apply(e, in: tx) }
            if case .taskCreate(let spec) = resolved { lastCreatedTask = spec.id }
            return decision.ack
        } catch let error as CommandError {
            return .error(error, line: line)
        }
        // Any other error (the log could not be read or written) ends the whole group: the
        // transaction is rolled back and no ack of the group is given.
    }

    /// Inserts the decision's events (and its command id) and returns them as recorded.
    private func write(
        _ decision: Decider.Decision, envelope: Envelope, fingerprint: [UInt8]?, recordedAt: Timestamp, validAt: Timestamp,
        _ tx: LogTransaction
    ) throws -> [RecordedEvent] {
        var seq = live.lastSeq
        let commandID = envelope.commandID ?? "@" + String(seq + 1)
        // A command with an id is recorded with its first event.
        var record = envelope.commandID.map { _ in StoredCommand(ack: decision.ack.stored, fingerprint: fingerprint ?? []) }
        if let id = envelope.commandID, let record { tx.noteRecorded(id: id, record) }
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(decision.events.count)
        for draft in decision.events {
            seq += 1
            // Revisions count this command's earlier events on the same stream.
            var rev = try live.revision(draft.stream, in: tx) + 1
            for r in recorded where r.stream == draft.stream { rev = r.streamRevision + 1 }
            try tx.insert(
                PendingEvent(
                    seq: seq, stream: draft.stream, streamRevision: rev, event: draft.event, validFrom: validAt.microseconds,
                    recordedAt: recordedAt.microseconds, commandID: commandID, command: record))
            record = nil
            recorded.append(
                RecordedEvent(
                    seq: seq, stream: draft.stream, streamRevision: rev, validFrom: validAt, recordedAt: recordedAt,
                    commandID: commandID, event: draft.event))
        }
        return recorded
    }

    /// The ids the log holds, as ``Resolution`` asks for them: from the live view.
    private struct LiveIDs: IDSource {
        let live: LiveState
        let tx: LogTransaction
        func nextID(_ kind: EntityKind, slug: String, taken: (String) -> Bool) throws -> String {
            try live.nextID(kind, slug: slug, in: tx, taken: taken)
        }
        func exists(_ stream: StreamID) throws -> Bool { try live.exists(stream, in: tx) }
    }

    private func decisionState(for command: Command, asOf validAt: Timestamp, _ tx: LogTransaction) throws -> DecisionState {
        var s = DecisionState()
        for stream in command.streams {
            guard let st = try live.state(of: stream, tx) else { continue }
            s.revisions[stream] = st.revision
            if let e = try live.entity(of: st, stream, asOf: validAt, in: tx) { s.entities[stream] = e }
        }
        switch command {
        case .eventRetract(let seq, _):
            if let target = try tx.event(at: seq) {
                // Loads the target stream (its retractions); the retraction goes on it, at its next revision.
                s.revisions[target.stream] = try live.revision(target.stream, in: tx)
                s.retractionTarget = .init(
                    stream: target.stream, isRetraction: target.isRetraction, alreadyRetracted: live.retracted.contains(seq))
            }
        case .contextLoad(let id, _):
            // The index holds every task that ever named the path; keep those that name it as of the valid time.
            s.cascadeTasks = try live.tasksNaming(contextPath: id, in: tx).sorted().compactMap { taskID in
                try live.entity(StreamID(.task, taskID), asOf: validAt, in: tx)?.task
            }.filter { $0.contextCascade == id }
        default:
            break
        }
        return s
    }
}
