/// What a decision may look at: the states of the streams a command touches, as of the
/// command's valid time as known now, and the streams' current revisions.
///
/// The appender fills it for the streams ``Command/streams`` names; a stream missing from
/// ``entities`` does not exist as of the valid time.
public struct DecisionState: Sendable, Equatable {
    public var entities: [StreamID: Entity] = [:]
    /// Current stream revisions (0 or missing: the stream has no event).
    public var revisions: [StreamID: Int] = [:]
    /// For `event.retract`: the event at the named position, if it exists.
    public var retractionTarget: RetractionTarget?
    /// For `cl:` of a context-cascade path: the tasks that name it.
    public var cascadeTasks: [TaskState] = []

    public struct RetractionTarget: Sendable, Equatable {
        public var stream: StreamID
        public var isRetraction: Bool
        public var alreadyRetracted: Bool
        public init(stream: StreamID, isRetraction: Bool, alreadyRetracted: Bool) {
            self.stream = stream
            self.isRetraction = isRetraction
            self.alreadyRetracted = alreadyRetracted
        }
    }

    public init() {}

    public func revision(_ stream: StreamID) -> Int { revisions[stream] ?? 0 }
    public func task(_ id: String) -> TaskState? { entities[StreamID(.task, id)]?.task }
    public func workflow(_ id: String) -> WorkflowState? { entities[StreamID(.workflow, id)]?.workflow }
    public func memory(_ key: String) -> MemoryState? { entities[StreamID(.memory, key)]?.memory }
}

extension Command {
    /// The stream whose revision `rev=` / `expected_rev` checks, and which a conflict names.
    public var primaryStream: StreamID? {
        switch self {
        case .taskCreate(let s): return s.id.map { StreamID(.task, $0) }
        case .taskUpdate(let id, _), .taskSplit(let id?, _, _, _), .taskRoute(let id, _, _), .taskStatus(let id, _, _),
            .taskComplete(let id, _, _), .taskCancel(let id, _), .taskRelate(let id, _):
            return StreamID(.task, id)
        case .taskSplit(nil, _, _, _): return nil
        case .memoryStore(let key, _, _, _, _), .memoryForget(let key): return StreamID(.memory, key)
        case .workflowStart(_, let id, _, _): return id.map { StreamID(.workflow, $0) }
        case .workflowStep(let id, _, _, _, _), .workflowComplete(let id, _), .workflowCancel(let id, _),
            .workflowStatus(let id, _, _):
            return StreamID(.workflow, id)
        case .contextSummary(let id, _): return StreamID(.context, id)
        case .statusReport, .eventRetract, .contextLoad: return nil
        }
    }

    /// Every stream the decision reads (after ids are resolved).
    public var streams: [StreamID] {
        var out: [StreamID] = []
        if let p = primaryStream { out.append(p) }
        switch self {
        case .taskCreate(let s): if let parent = s.parent { out.append(StreamID(.task, parent)) }
        case .taskSplit(_, _, _, let into): out += into.compactMap { $0.id.map { StreamID(.task, $0) } }
        case .contextLoad(let id, _):
            if Identifier.isValid(id) { out += EntityKind.allCases.map { StreamID($0, id) } }
            if let s = StreamID(id), Identifier.isValid(s.id) { out.append(s) }
        default: break
        }
        return out
    }
}
