public import ChronicleApp
public import ChronicleCore
public import ChronicleStore
internal import ChronicleViews
public import Logging

/// `chronicle project yaml DIR`: keeps the YAML tree in DIR the view of the log as of now.
///
/// It holds the reducer state of the tree's kinds as of `(now, #position)` (one ``Snapshot``
/// per kind: entities, not events). ``catchUp(stop:)`` folds it from the newest usable stored
/// snapshot to the log's head and makes the whole tree match it (finding files deleted or
/// changed while no projector ran). ``step()`` then advances it over what was committed since,
/// or over the scheduled changes whose valid time has come, and rewrites only the files of the
/// streams those events touched, and the context files those tasks leave or join.
/// ``follow(wakeUp:stop:)`` steps whenever the log changes, and when the next scheduled valid
/// time arrives.
public final class TreeProjector {
    public let log: EventLog
    public private(set) var sink: TreeSink
    private let query: LogQuery
    private let clock: any RecordingClock
    private let identity: String
    /// The state the tree shows, one snapshot per kind of ``YAMLTree/kinds``.
    public let state: ProjectorState
    private var contexts = ContextIndex()
    /// The last position applied to the tree.
    public var position: Int64 { state.position }
    public var validAt: Timestamp { state.validAt }
    /// Events folded per read of a catch-up: the bar's step, and the bound on what one read holds.
    public var catchUpChunk: Int64 {
        get { state.catchUpChunk }
        set { state.catchUpChunk = newValue }
    }

    /// Reads people's edits of the tree into the log.
    public private(set) var edits: EditReader
    /// Told one line (no newline) for every edit read, refused, or file put back.
    public var report: (String) -> Void = { _ in }
    private let logger: Logger
    /// Set when the tree is of an older version of the view: the next catch-up rebuilds it
    /// beside DIR and swaps it in (``VersionSwap``).
    public private(set) var needsRebuild: Bool
    /// Directories named like a rebuild's side (`DIR.rebuild-PID`) that hold no tree of
    /// chronicle's, left alone.
    public private(set) var leftSides: [String] = []

    /// Opens the tree at `directory` (created when missing) for `log`. Refused (see ``TreeSink``):
    /// a tree of another log or view, of a newer version, or held by another projector. A tree of
    /// an older version opens: ``catchUp(stop:readingEdits:)`` rebuilds it.
    public init(log: EventLog, directory: String, clock: any RecordingClock, logger: Logger) throws {
        self.log = log
        self.clock = clock
        self.logger = logger
        state = ProjectorState(kinds: YAMLTree.kinds, log: log, clock: clock)
        let query = LogQuery(log: log)
        self.query = query
        identity = try log.identity()
        sink = try TreeSink(opening: directory, view: "yaml", version: YAMLTree.version, log: identity) {
            (try? query.now(clock: clock)) ?? SystemClock.now()
        }
        needsRebuild = (sink.found?.version ?? YAMLTree.version) < YAMLTree.version
        // A rebuild killed before it finished: its side directory goes, what is ours comes back.
        leftSides = try VersionSwap.recoverSides(of: directory)
        try sink.removeTemporaries(under: YAMLTree.directories)
        edits = EditReader(log: log, sink: sink, clock: clock, logger: logger)
    }

    /// The checkpoint of what the tree shows now.
    public var checkpoint: ViewCheckpoint {
        ViewCheckpoint(view: "yaml", version: YAMLTree.version, log: identity, seq: position, validAt: validAt)
    }

    /// The earliest valid time of a scheduled change not folded yet (a future-dated event).
    public var nextDue: Timestamp? { state.nextDue }

    /// Folds the state to the log's head as of now and makes the whole tree match it, then
    /// flushes the manifest and the checkpoint. With `stop` raised midway, it ends after the
    /// read or the file in flight, flushes the manifest only (the old checkpoint still
    /// vouches for nothing newer) and returns false.
    @discardableResult
    public func catchUp(stop: StopSignal? = nil, readingEdits: Bool = true) throws -> Bool {
        if readingEdits {
            for (path, outcome) in try sink.tree.reusingDirectories({ try edits.scan() }) { report(describe(path, outcome)) }
        }
        if needsRebuild { return try rebuild(stop: stop) }
        guard let folded = try state.fold(stop: stop) else { return false }
        let entities = folded.entities
        let files = try YAMLTree.files(entities)
        let writing = ProgressBar("writing", total: Int64(files.count), unit: "files")
        var done: Int64 = 0
        let complete = try sink.tree.reusingDirectories {
            // In path order: the same state writes the same files in the same order.
            for (relative, bytes) in files.sorted(by: { $0.key < $1.key }) {
                if stop?.isRaised == true { return false }
                try sink.put(relative, bytes)
                done += 1
                writing?.update(done)
            }
            for relative in sink.paths.sorted() where files[relative] == nil { try sink.put(relative, nil) }
            return true
        }
        writing?.finish()
        guard complete else {
            try sink.flushManifest()
            return false
        }
        state.commit(folded)
        contexts = ContextIndex(entities.compactMap(\.task))
        try sink.flush(checkpoint)
        return true
    }

    /// Builds the tree of this version beside the older one, with a projector of its own, and
    /// swaps it in (``VersionSwap``); then goes on with its state. False when `stop` came first
    /// (DIR is as it was).
    private func rebuild(stop: StopSignal?) throws -> Bool {
        let side = VersionSwap.side(of: sink.path)
        let fresh = try TreeProjector(log: log, directory: side, clock: clock, logger: logger)
        fresh.report = report
        guard try fresh.catchUp(stop: stop, readingEdits: false) else {
            try VersionSwap.remove(side)
            return false
        }
        // Edits of the old tree made while the new one was built.
        for (path, outcome) in try sink.tree.reusingDirectories({ try edits.scan() }) { report(describe(path, outcome)) }
        do {
            try VersionSwap.exchange(side, sink.path)
        } catch {
            try VersionSwap.remove(side)
            throw error
        }
        let old = sink
        fresh.sink.moved(to: old.path)
        let foundVersion = old.found?.version ?? 0
        // What is not chronicle's, and a file edited since the scan, moves into the new tree.
        try VersionSwap.moveForeign(
            from: side, into: old.path,
            isChronicles: { path in
                guard old.paths.contains(path) else { return TreeSink.isTemporary(path) }
                return try old.tree.read(path).map { old.isOwn($0, at: path) } ?? true
            },
            keep: { path, bytes in
                try fresh.sink.keep(
                    bytes, of: path,
                    reason:
                        "was in the tree of version \(foundVersion) (changed there, or not written by chronicle) when version \(YAMLTree.version) was swapped in"
                )
            })
        sink = fresh.sink
        edits = EditReader(log: log, sink: sink, clock: clock, logger: logger)
        state.commit(ProjectorState.Folded(snapshots: fresh.state.snapshots, position: fresh.position, validAt: fresh.validAt))
        contexts = fresh.contexts
        needsRebuild = false
        try VersionSwap.remove(side)
        report("\(sink.path): rebuilt as version \(YAMLTree.version) beside the tree and swapped in")
        // What the edits read just before the exchange appended.
        try step()
        try sink.flush(checkpoint)
        return true
    }

    /// Advances the state over what was committed since the last step, and over the scheduled
    /// changes due by now; rewrites the files that changed. True when it had something to do.
    @discardableResult
    public func step() throws -> Bool {
        switch try state.advance() {
        case .idle: return false
        case .refold:
            // A clock stepped back, or a first step: the whole tree again.
            try catchUp(readingEdits: false)
            return true
        case .changes(let folded, let changes):
            // On a failure the files already written stay as written (each holds its entity's
            // newer state, journalled as the sink's own).
            try state.apply(folded, changes, contexts: &contexts) { contexts in
                var dirty: Set<String> = []
                for change in changes {
                    if let path = YAMLTree.path(of: change.stream) {
                        try sink.put(path, try change.after.flatMap { try YAMLTree.file(for: $0)?.bytes })
                    }
                    if change.stream.kind == .task { dirty.formUnion(contexts.update(from: change.before?.task, to: change.after?.task)) }
                }
                for file in dirty.sorted() { try sink.put(file, try contexts.bytes(of: file)) }
            }
            return true
        }
    }

    /// Steps whenever `wakeUp` says the log changed, and when the next scheduled valid time
    /// arrives, until `stop` is raised; then flushes and says so in its heartbeat. Beats every
    /// ``Heartbeat/intervalMilliseconds``; flushes the manifest and the checkpoint every
    /// `flushMilliseconds` while there is something to flush.
    public func follow(wakeUp: (any LogWakeUp)?, watcher: TreeWatcher? = nil, stop: StopSignal, flushMilliseconds: Int64 = 5_000) throws {
        var pace = FollowPace()
        var beaten: Timestamp?
        var flushed = SystemClock.now()
        var unflushed = false
        while !stop.isRaised {
            var edited = false
            if let watcher {
                // Every file after an overflow (or when the watch begins), once quiet like the rest.
                if watcher.takeOverflow() { watcher.markPending(try edits.candidates()) }
                let paths = watcher.ready()
                for path in paths {
                    let outcome = try edits.take(path, rewrite: true) { file in try contexts.bytes(of: file) }
                    if outcome != .ignored {
                        report(describe(path, outcome))
                        edited = true
                    }
                }
            }
            let keptBefore = sink.outcome.keptAside.count
            let changed = try step() || edited
            // A save that came while its entity changed: its text is beside the file now.
            for path in sink.outcome.keptAside.dropFirst(keptBefore) {
                report(
                    "\(sink.path)/\(path) was saved while its entity changed in the log; your text is kept beside it as .rejected-…, edit the rewritten file again"
                )
            }
            unflushed = unflushed || changed
            let wall = SystemClock.now()
            if unflushed && wall.microseconds - flushed.microseconds >= flushMilliseconds * 1_000 {
                try sink.flush(checkpoint)
                (flushed, unflushed) = (wall, false)
            }
            if beaten.map({ wall.microseconds - $0.microseconds >= Heartbeat.intervalMilliseconds * 1_000 }) ?? true {
                try beat(.following, at: wall)
                beaten = wall
            }
            // Until the next beat, or the next scheduled valid time (a millisecond past it).
            var timeout = Heartbeat.intervalMilliseconds
            if let due = nextDue {
                let untilDue = (due.microseconds - (try state.now()).microseconds) / 1_000 + 1
                timeout = max(1, min(timeout, untilDue))
            }
            pace.wait(foundNew: changed, wakeUp: watcher ?? wakeUp, stop: stop, timeoutMilliseconds: Int32(timeout))
        }
        try sink.flush(checkpoint)
        try beat(.stopped, at: SystemClock.now())
    }

    /// One line saying what became of an edited (or deleted) file.
    func describe(_ path: String, _ outcome: EditReader.Outcome) -> String {
        let file = "\(sink.path)/\(path)"
        switch outcome {
        case .ignored: return "\(file): unchanged"
        case .accepted(let commands, let seq):
            return "\(file): edit taken: \(commands.joined(separator: ", "))\(seq.map { " appended from #\($0)" } ?? "")"
        case .canonical: return "\(file): read, nothing to change; rewritten in canonical form"
        case .refused(let reason, let copy):
            return "\(file): edit refused: \(reason)" + (copy.isEmpty ? "" : "; your text is kept in \(sink.path)/\(copy)")
        case .unreadable(let reason): return "\(file): not read (\(reason)); left as it is"
        case .restored:
            return
                "\(file) was deleted; restored from the log (deleting a file is not forgetting: cancel a task, or forget a memory key with memory.forget)"
        }
    }

    private func beat(_ state: Heartbeat.State, at wall: Timestamp) throws {
        try sink.tree.write(Heartbeat.path, Heartbeat(pid: getpid(), state: state, beatAt: wall, seq: position).bytes)
    }
}

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif
