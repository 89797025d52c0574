/// A task as of some (valid, known) point: the fold of its stream.
public struct TaskState: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    public var intent: String
    public var complexity: Complexity
    public var confidence: Double
    public var routing: String
    public var status: TaskStatus = .pending
    public var progress: Double = 0
    public var keywords: [String] = []
    public var patterns: [String] = []
    public var related: [String] = []
    public var parent: String?
    public var children: [String] = []
    public var contextCascade: String?
    public var estimatedEffort: String?
    public var splitReason: String?
    public var result: JSONValue?
    public var nextSteps: JSONValue?
    public var cancelReason: String?
    /// Valid time of the creation and of the newest change folded in.
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Stream revision of the newest event folded in.
    public var revision: Int

    public init(
        id: String, title: String, intent: String, complexity: Complexity, confidence: Double, routing: String, createdAt: Timestamp,
        revision: Int
    ) {
        self.id = id
        self.title = title
        self.intent = intent
        self.complexity = complexity
        self.confidence = confidence
        self.routing = routing
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.revision = revision
    }

    /// The status and progress ``evolve(_:_:)`` gives after `event`, without building the new state.
    public func statusAndProgress(after event: DomainEvent) -> (TaskStatus, Double) {
        switch event {
        case .taskSplitRequested: return (.splitting, progress)
        case .taskStatusChanged(let status, let p): return (status, status == .completed ? 1 : p ?? progress)
        case .taskCompleted: return (.completed, 1)
        case .taskCancelled: return (.cancelled, progress)
        default: return (status, progress)
        }
    }

    /// Folds one event of the task's stream. Total: an event that makes no sense for the state
    /// (a change before the creation, a late event after completion) is applied as far as it can be.
    /// - Complexity: O(size of the event).
    public static func evolve(_ state: consuming TaskState?, _ e: RecordedEvent) -> TaskState? {
        if case .taskCreated(let spec, let confidence, let routing) = e.event {
            var t = TaskState(
                id: spec.id ?? e.stream.id, title: spec.title, intent: spec.intent, complexity: spec.complexity,
                confidence: confidence, routing: routing, createdAt: e.validFrom, revision: e.streamRevision)
            t.description = spec.description
            t.keywords = spec.keywords
            t.patterns = spec.patterns
            t.related = spec.related
            t.parent = spec.parent
            t.contextCascade = spec.contextCascade
            t.estimatedEffort = spec.estimatedEffort
            if let old = state { t.children = old.children }
            return t
        }
        guard var t = state else { return nil }
        t.revision = e.streamRevision
        t.updatedAt = max(t.updatedAt, e.validFrom)
        switch e.event {
        case .taskUpdated(let c):
            if let v = c.title { t.title = v }
            if let v = c.description { t.description = v }
            if let v = c.intent { t.intent = v }
            if let v = c.complexity { t.complexity = v }
            if let v = c.confidence { t.confidence = v }
            if let v = c.keywords { t.keywords = v }
            if let v = c.patterns { t.patterns = v }
            if let v = c.related { t.related = v }
            if let v = c.contextCascade { t.contextCascade = v }
            if let v = c.estimatedEffort { t.estimatedEffort = v }
        case .taskSplitRequested(let confidence, let reason, let children):
            t.status = .splitting
            t.confidence = confidence
            t.routing = "split"
            t.splitReason = reason
            for c in children where !t.children.contains(c) { t.children.append(c) }
        case .taskRouted(let confidence, let routing):
            t.confidence = confidence
            t.routing = routing
        case .taskStatusChanged(let status, let progress):
            t.status = status
            if let progress { t.progress = progress }
            if status == .completed { t.progress = 1 }
        case .taskCompleted(let result, let next):
            t.status = .completed
            t.progress = 1
            t.result = result
            t.nextSteps = next
        case .taskCancelled(let reason):
            t.status = .cancelled
            t.cancelReason = reason
        case .taskRelated(let related):
            for r in related where !t.related.contains(r) { t.related.append(r) }
        default:
            break
        }
        return t
    }
}
