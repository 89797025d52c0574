/// Events that look impossible in the history as known now (SPEC §7, "Validation time"): each
/// was decided against its stream's state as of its valid time, as known *then*; a late event
/// recorded afterwards, or a retraction, can change that state so that the decider would now
/// refuse it — a status change out of a final state, a change before the entity exists. Evolve
/// is total, so such an event is still folded; `verify` reports it as a warning, not as damage.
///
/// A creation is checked against the state before it in valid-time order (the entity must not
/// exist yet), where the decider refuses any creation on a stream that has events at all: the
/// appender never writes a second creation, so only an imported log can show one. A task's
/// parent lives on another stream: `verify` checks it apart.
public struct Impossible: Sendable, Equatable, CustomStringConvertible {
    public var seq: Int64
    public var stream: StreamID
    /// Why the decider would refuse it now.
    public var reason: String

    public init(seq: Int64, stream: StreamID, reason: String) {
        self.seq = seq
        self.stream = stream
        self.reason = reason
    }

    public var description: String { "seq \(seq): \(stream): \(reason)" }

    /// Why the decider would refuse `e` against `state`, its stream's state just before it in
    /// `(valid_from, seq)` order; nil when it would not.
    public static func reason(for e: RecordedEvent, after state: Entity?) -> String? {
        switch e.event {
        case .taskCreated:
            return state == nil ? nil : "the task is created again while it exists"
        case .taskUpdated, .taskRouted, .taskRelated:
            return state?.task == nil ? "a change before the task exists" : nil
        case .taskStatusChanged(let status, _): return move(state, to: status)
        case .taskSplitRequested: return move(state, to: .splitting)
        case .taskCompleted: return move(state, to: .completed)
        case .taskCancelled: return move(state, to: .cancelled)
        case .memoryStored: return nil
        case .memoryForgotten:
            return state?.memory == nil ? "the key is forgotten while it holds no value" : nil
        case .workflowStarted:
            return state == nil ? nil : "the instance is started again while it exists"
        case .workflowStepRecorded, .workflowStatusChanged, .workflowCompleted, .workflowCancelled:
            guard let w = state?.workflow else { return "a change before the instance exists" }
            return w.status.isOpen ? nil : "a change after the instance is \(w.status.rawValue)"
        case .contextSummarized, .eventRetracted: return nil
        }
    }

    private static func move(_ state: Entity?, to next: TaskStatus) -> String? {
        guard let t = state?.task else { return "a change before the task exists" }
        return t.status.canMove(to: next) ? nil : "the task goes from \(t.status.rawValue) to \(next.rawValue)"
    }

    /// Impossible events as a check finds them: the first ``limit`` listed, every one counted
    /// (a retracted creation can make every later event of a busy stream one).
    public struct Findings: Sendable, Equatable {
        public static let limit = 1_000
        public var listed: [Impossible] = []
        public var total = 0

        public init() {}

        public mutating func add(_ found: Impossible) {
            total += 1
            if listed.count < Self.limit { listed.append(found) }
        }

        public mutating func merge(_ other: Findings) {
            total += other.total
            listed += other.listed.prefix(max(0, Self.limit - listed.count))
        }
    }

    /// Every impossible event of one stream, in `(valid_from, seq)` order: `events` are all its
    /// events as known now, in any order (retractions and retracted events are left out).
    /// - Complexity: O(n log n).
    public static func events(of events: [RecordedEvent]) -> [Impossible] {
        let retracted = Bitemporal.retracted(in: events, knownAt: .position(.max))
        let ordered = Fold.live(events, retracted: retracted)
        var out: [Impossible] = []
        var state: Entity?
        for e in ordered {
            if let reason = reason(for: e, after: state) { out.append(Impossible(seq: e.seq, stream: e.stream, reason: reason)) }
            state = Entity.evolve(state, e)
        }
        return out
    }
}
