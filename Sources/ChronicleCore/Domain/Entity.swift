/// The state of any one stream: the entity its reducer folds.
public indirect enum Entity: Sendable, Equatable {
    case task(TaskState)
    case memory(MemoryState)
    case workflow(WorkflowState)
    /// A context the backend summarized (`cl:{id}|{summary}`).
    case context(id: String, summary: String, revision: Int)

    /// The reducer of every stream kind: dispatches on the stream's kind.
    /// `event.retracted` is not folded here; it removes an event before the fold (see ``Fold``).
    /// - Complexity: O(size of the event).
    public static func evolve(_ state: Entity?, _ e: RecordedEvent) -> Entity? {
        switch e.stream.kind {
        case .task:
            if case .task(let t)? = state { return TaskState.evolve(t, e).map(Entity.task) }
            return TaskState.evolve(nil, e).map(Entity.task)
        case .memory:
            if case .memory(let m)? = state { return MemoryState.evolve(m, e).map(Entity.memory) }
            return MemoryState.evolve(nil, e).map(Entity.memory)
        case .workflow:
            if case .workflow(let w)? = state { return WorkflowState.evolve(w, e).map(Entity.workflow) }
            return WorkflowState.evolve(nil, e).map(Entity.workflow)
        case .context:
            if case .contextSummarized(let summary) = e.event {
                return .context(id: e.stream.id, summary: summary, revision: e.streamRevision)
            }
            return state
        }
    }

    /// ``evolve(_:_:)`` applied to each event `next` gives, in turn, from `state`, until it gives
    /// nil: the events of one stream of `kind`. The same answer as folding with ``evolve(_:_:)``,
    /// without wrapping the state anew at every event.
    /// - Complexity: O(total size of the events).
    public static func fold<E: Error>(_ state: Entity?, kind: EntityKind, _ next: () throws(E) -> RecordedEvent?) throws(E) -> Entity? {
        switch kind {
        case .task:
            var t = state?.task
            while let e = try next() { t = TaskState.evolve(t, e) }
            return t.map(Entity.task)
        case .memory:
            var m = state?.memory
            while let e = try next() { m = MemoryState.evolve(m, e) }
            return m.map(Entity.memory)
        case .workflow:
            var w = state?.workflow
            while let e = try next() { w = WorkflowState.evolve(w, e) }
            return w.map(Entity.workflow)
        case .context:
            var c = state
            while let e = try next() { c = evolve(c, e) }
            return c
        }
    }

    public var task: TaskState? {
        if case .task(let t) = self { return t }
        return nil
    }

    public var memory: MemoryState? {
        if case .memory(let m) = self { return m }
        return nil
    }

    public var workflow: WorkflowState? {
        if case .workflow(let w) = self { return w }
        return nil
    }
}
