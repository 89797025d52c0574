/// What the log answers when a command's ids are filled in: which ids are free, which streams
/// exist. The appender answers from its live view of the log; a test, from a dictionary.
public protocol IDSource {
    /// The next free id `<slug>_<n>` for an entity of `kind`; `taken` names ids already given
    /// to other entities of the same command.
    func nextID(_ kind: EntityKind, slug: String, taken: (String) -> Bool) throws -> String
    /// Whether `stream` has an event.
    func exists(_ stream: StreamID) throws -> Bool
}

extension IDSource {
    /// The next free id when the command names no other.
    func nextID(_ kind: EntityKind, slug: String) throws -> String { try nextID(kind, slug: slug, taken: { _ in false }) }
}

/// Filling in the ids a command leaves to the log (`tc:` task ids, `ts:auto`, workflow
/// instance ids) and the entity a `su:` line names, with its status word read for that kind.
public enum Resolution {
    /// `command` with its ids filled in; `lastCreatedTask` is what `ts:auto` names (the task
    /// created last on the same input). Throws a ``CommandError`` for a `su:` line that names
    /// no task or workflow, or a status word that is not one of the entity's.
    public static func resolve(_ command: Command, lastCreatedTask: String?, in ids: some IDSource) throws -> Command {
        switch command {
        case .taskCreate(var spec) where spec.id == nil:
            spec.id = try ids.nextID(.task, slug: Identifier.slug(spec.title))
            return .taskCreate(spec)
        case .taskSplit(let id, let confidence, let reason, var into):
            // Children named in the same command must not get the same id.
            var taken = Set(into.compactMap(\.id))
            for i in into.indices where into[i].id == nil {
                let child = try ids.nextID(.task, slug: Identifier.slug(into[i].title)) { taken.contains($0) }
                taken.insert(child)
                into[i].id = child
            }
            return .taskSplit(id: id ?? lastCreatedTask, confidence: confidence, reason: reason, into: into)
        case .workflowStart(let workflow, nil, let params, let steps):
            let id = try ids.nextID(.workflow, slug: Identifier.slug(workflow, fallback: "workflow"))
            return .workflowStart(workflow: workflow, id: id, params: params, steps: steps)
        case .statusReport(let entity, let word, let progress):
            return try statusReport(entity, word, progress, in: ids)
        default:
            return command
        }
    }

    /// A `su:` line as the task or workflow status command it is: an explicit `task/…` or
    /// `workflow/…` names its kind; a bare id is a task's if one exists, else a workflow's.
    static func statusReport(_ entity: String, _ word: String, _ progress: Double?, in ids: some IDSource) throws -> Command {
        let stream: StreamID
        if let explicit = StreamID(entity), explicit.kind == .task || explicit.kind == .workflow {
            stream = explicit
        } else if try ids.exists(StreamID(.task, entity)) {
            stream = StreamID(.task, entity)
        } else if try ids.exists(StreamID(.workflow, entity)) {
            stream = StreamID(.workflow, entity)
        } else {
            throw CommandError(
                .notFound, "no task or workflow '\(CommandError.shown(entity))'",
                recovery: "check the id; su: reports on tasks and workflow instances")
        }
        if stream.kind == .task {
            guard let status = TaskStatus(word: word) else {
                throw CommandError(
                    .parse, "'\(CommandError.shown(word))' is not a task status",
                    recovery: "use one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .taskStatus(id: stream.id, status: status, progress: progress)
        }
        guard let status = WorkflowStatus(word: word) else {
            throw CommandError(
                .parse, "'\(CommandError.shown(word))' is not a workflow status",
                recovery: "use one of \(WorkflowStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .workflowStatus(id: stream.id, status: status, progress: progress)
    }
}
