public import ChronicleCore
internal import ChronicleViews

/// Which tasks each context file of the YAML tree lists, kept as tasks change: a change of one
/// task rewrites only the context files it leaves or joins (or whose listing of it changes),
/// not every context file.
public struct ContextIndex: Sendable {
    /// Context file → the tasks it lists, by id.
    private var listings: [String: [String: TaskState]] = [:]
    /// Task id → the context file it is listed in.
    private var fileOf: [String: String] = [:]

    public init() {}

    /// The index of `tasks`.
    public init(_ tasks: some Sequence<TaskState>) {
        for t in tasks { _ = update(from: nil, to: t) }
    }

    /// Takes one task from `old` to `new` (nil: it does not exist); returns the context files
    /// whose bytes may have changed.
    public mutating func update(from old: TaskState?, to new: TaskState?) -> Set<String> {
        var dirty: Set<String> = []
        if let old, let file = fileOf.removeValue(forKey: old.id) {
            listings[file]?[old.id] = nil
            if listings[file]?.isEmpty == true { listings[file] = nil }
            dirty.insert(file)
        }
        if let new, let cascade = new.contextCascade, let file = YAMLTree.contextFile(cascade) {
            listings[file, default: [:]][new.id] = new
            fileOf[new.id] = file
            dirty.insert(file)
        }
        return dirty
    }

    /// Takes back `changes` that were taken forward by ``update(from:to:)`` (all of them, or the
    /// first ones: the others change nothing taken back).
    public mutating func undo(_ changes: [ProjectorState.Change]) {
        for change in changes.reversed() where change.stream.kind == .task {
            _ = update(from: change.after?.task, to: change.before?.task)
        }
    }

    /// The tasks the context file at `file` lists; nil when no task names it.
    public func tasks(of file: String) -> [TaskState]? { listings[file].map { Array($0.values) } }

    /// The bytes of the context file at `file`; nil when no task names it (the file goes).
    public func bytes(of file: String) throws -> [UInt8]? {
        guard let tasks = listings[file] else { return nil }
        return try YAMLTree.contextFile(file, listing: Array(tasks.values))
    }
}
