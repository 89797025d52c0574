/// What a line asks for: one command of the coded language or of the JSON form, after parsing.
///
/// Ids a command leaves to the log (a `tc:` task id, `ts:auto`, the entity of `su:`) are
/// resolved by the appender before ``Decider/decide(_:given:)`` sees the command.
public enum Command: Sendable, Equatable {
    case taskCreate(TaskSpec)
    case taskUpdate(id: String, changes: TaskChanges)
    /// `id` nil means `auto`: the task created last on this input.
    case taskSplit(id: String?, confidence: Double, reason: String, into: [TaskSpec])
    case taskRoute(id: String, confidence: Double, routing: String)
    case taskStatus(id: String, status: TaskStatus, progress: Double?)
    case taskComplete(id: String, result: JSONValue, nextSteps: JSONValue)
    case taskCancel(id: String, reason: String)
    case taskRelate(id: String, related: [String])
    case memoryStore(key: String, value: JSONValue, type: String, category: String?, significance: Double?)
    case memoryForget(key: String)
    case workflowStart(workflow: String, id: String?, params: JSONValue, steps: [String])
    case workflowStep(id: String, step: String, status: StepStatus, output: JSONValue?, error: String?)
    case workflowComplete(id: String, result: JSONValue?)
    case workflowCancel(id: String, reason: String?)
    case workflowStatus(id: String, status: WorkflowStatus, progress: Double?)
    /// `su:` before its entity is known: a task or a workflow instance id, and a status word.
    case statusReport(entity: String, status: String, progress: Double?)
    /// A backend's `cl:{context_id}|{summary}` report: stored as the context's summary.
    case contextSummary(id: String, summary: String)
    case eventRetract(seq: Int64, reason: String)
    /// A query: appends nothing.
    case contextLoad(contextID: String, depth: ContextDepth)

    /// The command's name in the JSON form, used in messages.
    public var name: String {
        switch self {
        case .taskCreate: "task.create"
        case .taskUpdate: "task.update"
        case .taskSplit: "task.split"
        case .taskRoute: "task.route"
        case .taskStatus: "task.status"
        case .taskComplete: "task.complete"
        case .taskCancel: "task.cancel"
        case .taskRelate: "task.relate"
        case .memoryStore: "memory.store"
        case .memoryForget: "memory.forget"
        case .workflowStart: "workflow.start"
        case .workflowStep: "workflow.step"
        case .workflowComplete: "workflow.complete"
        case .workflowCancel: "workflow.cancel"
        case .workflowStatus: "workflow.status"
        case .statusReport: "status report"
        case .contextSummary: "context summary"
        case .eventRetract: "event.retract"
        case .contextLoad: "context.load"
        }
    }
}
