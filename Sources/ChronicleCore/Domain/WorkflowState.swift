/// A workflow instance as of some (valid, known) point.
public struct WorkflowState: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var name: String
        public var status: StepStatus?
        public var output: JSONValue?
        public var error: String?
    }

    public var id: String
    public var workflow: String
    public var params: JSONValue
    public var status: WorkflowStatus = .running
    public var progress: Double = 0
    public var steps: [Step]
    public var result: JSONValue?
    public var cancelReason: String?
    public var startedAt: Timestamp
    public var updatedAt: Timestamp
    public var revision: Int

    /// Folds one event of the instance's stream. Total, like every reducer.
    /// - Complexity: O(number of steps).
    public static func evolve(_ state: consuming WorkflowState?, _ e: RecordedEvent) -> WorkflowState? {
        if case .workflowStarted(let workflow, let params, let steps) = e.event {
            return WorkflowState(
                id: e.stream.id, workflow: workflow, params: params,
                steps: steps.map { Step(name: $0) }, startedAt: e.validFrom, updatedAt: e.validFrom,
                revision: e.streamRevision)
        }
        guard var w = state else { return nil }
        w.revision = e.streamRevision
        w.updatedAt = max(w.updatedAt, e.validFrom)
        w.apply(e.event)
        return w
    }

    /// The status and progress the instance has once `event` is folded in (what a `su:` ack
    /// reports), without recording it.
    public func statusAndProgress(after event: DomainEvent) -> (WorkflowStatus, Double) {
        var w = self
        w.apply(event)
        return (w.status, w.progress)
    }

    /// What an event of the instance's stream changes in it (its revision and time aside).
    private mutating func apply(_ event: DomainEvent) {
        switch event {
        case .workflowStepRecorded(let name, let status, let output, let error):
            if let i = steps.firstIndex(where: { $0.name == name }) {
                steps[i].status = status
                if let output { steps[i].output = output }
                steps[i].error = error
            } else {
                steps.append(Step(name: name, status: status, output: output, error: error))
            }
            let done = steps.filter { $0.status == .completed }.count
            progress = steps.isEmpty ? 0 : Double(done) / Double(steps.count)
            if status == .failed { self.status = .failed }
        case .workflowStatusChanged(let status, let progress):
            self.status = status
            if let progress { self.progress = progress }
            if status == .completed { self.progress = 1 }
        case .workflowCompleted(let result):
            status = .completed
            progress = 1
            self.result = result
        case .workflowCancelled(let reason):
            status = .cancelled
            cancelReason = reason
        default:
            break
        }
    }
}
