public import ChronicleCore
public import ChronicleStore
internal import ChronicleViews
public import Logging

/// Reads a person's edits of a YAML tree back into the log (SPEC §5, two-way): a file of the
/// tree whose bytes chronicle did not write is read by ``FileEdit``, its commands appended
/// (marked as the file's: command ids `file-<digest of path and text>-<n>`), and the file is
/// rewritten in canonical form; a refused edit appends nothing, is kept beside the file as
/// `x.yaml.rejected-<UTC time>` with the reason at its top, and the file is put back.
///
/// A deleted file is put back (deleting is not forgetting). A derived file (contexts/…) is
/// read-only: an edit of it is refused. A file whose commands are in the log already (a
/// projector killed between the append and the rewrite) is rewritten, not appended again.
public final class EditReader {
    /// What became of one file.
    public enum Outcome: Sendable, Equatable {
        /// Bytes chronicle wrote, or a name the tree does not read (a swap or backup file).
        case ignored
        /// Commands appended, the first at `seq`; the file rewritten.
        case accepted(commands: [String], firstSeq: Int64?)
        /// Read, nothing to append (a comment, another layout); the file rewritten.
        case canonical
        /// Refused, kept aside as `copy`.
        case refused(reason: String, copy: String)
        /// Deleted, and put back from the log.
        case restored
        /// Not a file that can be read (a link, a directory, a FIFO, no permission): left alone.
        case unreadable(reason: String)
    }

    let log: EventLog
    let sink: TreeSink
    let query: LogQuery
    let clock: any RecordingClock
    let logger: Logger
    /// Made for the first edit that has commands (most runs read none).
    private var appender: Appender?

    public init(log: EventLog, sink: TreeSink, clock: any RecordingClock, logger: Logger) {
        self.log = log
        self.sink = sink
        self.clock = clock
        self.logger = logger
        query = LogQuery(log: log)
    }

    /// The stream whose file `relative` is (`tasks/ID.yaml`, `memory/KEY.yaml`,
    /// `workflows/ID.yaml`), nil for any other name (swap, backup, rejected copies, derived).
    public static func stream(of relative: String) -> StreamID? {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasSuffix(".yaml") else { return nil }
        let id = String(parts[1].dropLast(5))
        let kind: EntityKind
        switch parts[0] {
        case "tasks": kind = .task
        case "memory": kind = .memory
        case "workflows": kind = .workflow
        default: return nil
        }
        let stream = StreamID(kind, id)
        return YAMLTree.path(of: stream) == relative ? stream : nil
    }

    /// Whether `relative` is a derived file chronicle wrote (a context file).
    func isDerived(_ relative: String) -> Bool { relative.hasPrefix("contexts/") && sink.paths.contains(relative) }

    /// Looks at the file at `relative`, and appends what its edit asks for. `rewrite`: put the
    /// canonical file back now (following); else the catch-up that follows writes it.
    /// `derived` gives a derived file's bytes as of now.
    /// - Complexity: O(events of the file's stream).
    public func take(_ relative: String, rewrite: Bool, derived: (String) throws -> [UInt8]?) throws -> Outcome {
        let stream = Self.stream(of: relative)
        guard stream != nil || isDerived(relative) else { return .ignored }
        let read: [UInt8]?
        do {
            read = try sink.tree.read(relative)
        } catch {
            // A link, a directory, a FIFO or an unreadable file where a file should be.
            return .unreadable(reason: "\(error)")
        }
        guard let bytes = read else {
            guard sink.paths.contains(relative), rewrite else { return .ignored }
            try sink.put(relative, try canonical(relative, stream, derived: derived))
            return .restored
        }
        if sink.isOwn(bytes, at: relative) { return .ignored }
        guard let stream else {
            let copy = try sink.refuse(
                relative, bytes, reason: "\(relative) is generated from the tasks that name its context path, and read-only",
                canonical: rewrite ? try derived(relative) : nil)
            return .refused(reason: "a generated file, read-only: edit the tasks instead", copy: copy)
        }
        // The entity and its stream's revision, read at one point: the edit is decided against
        // this state, and appended only if the stream is still at this revision.
        let tip = try log.read { tx in try tx.tail()?.seq } ?? 0
        let current = try query.entity(stream, asOf: AsOf(valid: try query.now(clock: clock), known: .position(tip)))
        let revision = try log.read { tx in try tx.events(stream: stream).last { $0.seq <= tip }?.streamRevision } ?? 0
        switch FileEdit.read(bytes, of: stream, current: current) {
        case .refused(let reason):
            return try refuse(relative, bytes, reason: reason, current: current, rewrite: rewrite)
        case .commands(let commands) where commands.isEmpty:
            try finish(relative, bytes, stream, rewrite: rewrite)
            return .canonical
        case .commands(let commands):
            let ids = commands.indices.map { Self.commandID(relative, bytes, revision: revision, $0 + 1) }
            let lines = commands.enumerated().map { n, command in
                Appender.Line(
                    number: n + 1,
                    parsed: .success((command, Envelope(commandID: ids[n], expectedRevision: n == 0 ? revision : nil))))
            }
            let appender = try appender ?? Appender(log: log, clock: clock, logger: logger)
            self.appender = appender
            let acks = try appender.append(lines, stopAtFirstError: true)
            if let refused = acks.firstIndex(where: { $0.isError }) {
                let reason = Self.text(of: acks[refused])
                guard refused > 0 else { return try refuse(relative, bytes, reason: reason, current: current, rewrite: rewrite) }
                // The commands before the refused one were appended and stay: the text is kept
                // aside all the same, for what was not taken.
                let copy = try sink.keep(
                    bytes, of: relative, reason: "only the first \(refused) of its \(commands.count) changes were taken: \(reason)")
                try finish(relative, bytes, stream, rewrite: rewrite)
                return .refused(reason: "only the first \(refused) of its \(commands.count) changes were taken: \(reason)", copy: copy)
            }
            try finish(relative, bytes, stream, rewrite: rewrite)
            let first = try log.read { tx in try tx.events(stream: stream).first { $0.commandID == ids[0] }?.seq }
            return .accepted(commands: commands.map(\.name), firstSeq: first)
        }
    }

    /// Every file of the tree that is not chronicle's: what people edited, created or deleted
    /// while no projector ran, in path order. Files of other names are left alone.
    /// - Complexity: O(files of the tree).
    public func scan() throws -> [(path: String, outcome: Outcome)] {
        var out: [(String, Outcome)] = []
        for path in try candidates() {
            let outcome = try take(path, rewrite: false) { _ in nil }
            if outcome != .ignored { out.append((path, outcome)) }
        }
        return out
    }

    /// Every path a person may have edited: the files chronicle wrote, and the files of the
    /// entities' directories, in path order.
    public func candidates() throws -> [String] {
        var candidates = Set(sink.paths.filter { $0.hasPrefix("contexts/") || Self.stream(of: $0) != nil })
        for directory in ["tasks", "memory", "workflows"] {
            for file in try sink.tree.files(under: directory) where Self.stream(of: file) != nil { candidates.insert(file) }
        }
        return candidates.sorted()
    }

    /// Keeps the refused `bytes` aside and puts the file back as the log has it: rewritten
    /// (now, or by the catch-up that follows), or removed when its entity does not exist (a
    /// refused new file: its text is in the copy).
    private func refuse(_ relative: String, _ bytes: [UInt8], reason: String, current: Entity?, rewrite: Bool) throws -> Outcome {
        let canonical = try current.flatMap(render)
        let copy = try sink.refuse(relative, bytes, reason: reason, canonical: rewrite ? canonical : nil)
        if canonical == nil {
            if !sink.paths.contains(relative) {
                try sink.tree.remove(relative)
            } else if rewrite {
                try sink.put(relative, nil)
            }
        }
        return .refused(reason: reason, copy: copy)
    }

    /// The file's edit (`bytes`) is in the log: take its bytes as read, and put the canonical
    /// file back. A newer save that came meanwhile is not `bytes`, and is kept aside, not lost.
    private func finish(_ relative: String, _ bytes: [UInt8], _ stream: StreamID, rewrite: Bool) throws {
        try sink.adopt(bytes, at: relative)
        guard rewrite else { return }
        try sink.put(relative, try query.entity(stream, asOf: try now()).flatMap(render))
    }

    private func canonical(_ relative: String, _ stream: StreamID?, derived: (String) throws -> [UInt8]?) throws -> [UInt8]? {
        guard let stream else { return try derived(relative) }
        return try query.entity(stream, asOf: try now()).flatMap(render)
    }

    private func render(_ entity: Entity) throws -> [UInt8]? { try YAMLTree.file(for: entity)?.bytes }

    private func now() throws -> AsOf {
        let tip = try log.read { tx in try tx.tail()?.seq } ?? 0
        return AsOf(valid: try query.now(clock: clock), known: .position(tip))
    }

    /// The id of the `n`th command of the edit that left `bytes` at `relative`, decided against
    /// the stream at `revision`: the file's (the digest of its path and text), and never one of
    /// an earlier edit's (the same text saved again after the entity changed, a key forgotten
    /// and made again from the same file). An edit taken is recorded as the sink's own bytes
    /// before the file is rewritten, so a projector killed meanwhile does not read it twice.
    static func commandID(_ relative: String, _ bytes: [UInt8], revision: Int, _ n: Int) -> String {
        "file-\(Manifest.digest(Array(relative.utf8) + [0] + bytes).prefix(24))-r\(revision)-\(n)"
    }

    static func text(of ack: Ack) -> String {
        let message = ack.fields.first { $0.key == "message" }?.value.stringValue ?? ack.coded
        let recovery = ack.fields.first { $0.key == "recovery" }?.value.stringValue
        return (message.hasPrefix("line ") ? String(message.drop { $0 != ":" }.dropFirst(2)) : message)
            + (recovery.map { "; \($0)" } ?? "")
    }
}
