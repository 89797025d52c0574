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
        switch e.event {
        case .workflowStepRecorded(let name, let status, let output, let error):
            if let i = w.steps.firstIndex(where: { $0.name == name }) {
                w.steps[i].status = status
                if let output { w.steps[i].output = output }
                w.steps[i].error = error
            } else {
                w.steps.append(Step(name: name, status: status, output: output, error: error))
            }
            let done = w.steps.filter { $0.status == .completed }.count
            w.progress = w.steps.isEmpty ? 0 : Double(done) / Double(w.steps.count)
            if status == .failed { w.status = .failed }
        case .workflowStatusChanged(let status, let progress):
            w.status = status
            if let progress { w.progress = progress }
            if status == .completed { w.progress = 1 }
        case .workflowCompleted(let result):
            w.status = .completed
            w.progress = 1
            w.result = result
        case .workflowCancelled(let reason):
            w.status = .cancelled
            w.cancelReason = reason
        default:
            break
        }
        return w
    }
}
