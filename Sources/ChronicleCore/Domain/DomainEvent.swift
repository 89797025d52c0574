/// What happened, as the log stores it: one case per event type, each with its payload.
///
/// The stored form is the event's ``type`` name, its ``typeVersion`` and a JSON ``payload``;
/// ``init(type:version:payload:)`` reads it back (upcasting older versions as they come).
public enum DomainEvent: Sendable, Equatable {
    case taskCreated(TaskSpec, confidence: Double, routing: String)
    case taskUpdated(TaskChanges)
    case taskSplitRequested(confidence: Double, reason: String, children: [String])
    case taskRouted(confidence: Double, routing: String)
    case taskStatusChanged(status: TaskStatus, progress: Double?)
    case taskCompleted(result: JSONValue, nextSteps: JSONValue)
    case taskCancelled(reason: String)
    case taskRelated(related: [String])
    case memoryStored(value: JSONValue, type: String, category: String?, significance: Double?)
    case memoryForgotten
    case workflowStarted(workflow: String, params: JSONValue, steps: [String])
    case workflowStepRecorded(step: String, status: StepStatus, output: JSONValue?, error: String?)
    case workflowStatusChanged(status: WorkflowStatus, progress: Double?)
    case workflowCompleted(result: JSONValue?)
    case workflowCancelled(reason: String?)
    case contextSummarized(summary: String)
    /// The correction: from its recorded time on, the event at `seq` counts as never having happened.
    case eventRetracted(seq: Int64, reason: String)

    /// The context-cascade path the event names for its task, if any.
    public var namedContextPath: String? {
        switch self {
        case .taskCreated(let spec, _, _): spec.contextCascade
        case .taskUpdated(let changes): changes.contextCascade
        default: nil
        }
    }

    /// The stored type name.
    public var type: String {
        switch self {
        case .taskCreated: "task.created"
        case .taskUpdated: "task.updated"
        case .taskSplitRequested: "task.split_requested"
        case .taskRouted: "task.routed"
        case .taskStatusChanged: "task.status_changed"
        case .taskCompleted: "task.completed"
        case .taskCancelled: "task.cancelled"
        case .taskRelated: "task.related"
        case .memoryStored: "memory.stored"
        case .memoryForgotten: "memory.forgotten"
        case .workflowStarted: "workflow.started"
        case .workflowStepRecorded: "workflow.step_recorded"
        case .workflowStatusChanged: "workflow.status_changed"
        case .workflowCompleted: "workflow.completed"
        case .workflowCancelled: "workflow.cancelled"
        case .contextSummarized: "context.summarized"
        case .eventRetracted: "event.retracted"
        }
    }

    /// Every stored type name, each once (the names ``type`` gives).
    public static let typeNames = [
        "memory.stored", "task.status_changed", "workflow.status_changed", "workflow.step_recorded", "task.updated",
        "task.created", "workflow.started", "task.routed", "task.completed", "task.cancelled", "task.related",
        "task.split_requested", "memory.forgotten", "workflow.completed", "workflow.cancelled", "context.summarized",
        "event.retracted",
    ]

    /// The payload schema version written today for a type: 1, except where ``Upcast`` lists
    /// newer ones.
    public static func currentVersion(of type: String) -> Int { Upcast.steps[type].map { $0.count + 1 } ?? 1 }

    /// The payload schema version this event is written with: ``currentVersion(of:)`` of its type.
    public var typeVersion: Int { Self.currentVersion(of: type) }
}
