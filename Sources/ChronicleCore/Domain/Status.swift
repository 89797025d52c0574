/// Where a task stands. The allowed moves form the state machine of ``canMove(to:)``.
public enum TaskStatus: String, Sendable, CaseIterable {
    case pending
    case inProgress = "in_progress"
    case blocked
    case splitting
    case completed
    case cancelled

    public var isOpen: Bool { self != .completed && self != .cancelled }

    /// The state machine, as one table: the statuses a task may move to from each status.
    /// pending → in_progress → completed; an open status may also go to blocked, splitting or
    /// cancelled, and blocked and splitting go on to in_progress (a started task does not go
    /// back to pending); staying in an open status (a progress report) is allowed; completed and
    /// cancelled are final. The README's table is rendered from this one (a test checks it).
    public static let moves: KeyValuePairs<TaskStatus, [TaskStatus]> = [
        .pending: [.pending, .inProgress, .blocked, .splitting, .cancelled],
        .inProgress: [.inProgress, .blocked, .splitting, .completed, .cancelled],
        .blocked: [.blocked, .inProgress, .splitting, .cancelled],
        .splitting: [.splitting, .inProgress, .blocked, .cancelled],
        .completed: [],
        .cancelled: [],
    ]

    /// The statuses this one may move to, in the table's order.
    public var next: [TaskStatus] { Self.moves.first { $0.key == self }?.value ?? [] }

    public func canMove(to next: TaskStatus) -> Bool { self.next.contains(next) }

    /// The status a backend word names for a task (`done` → completed, `running` → in_progress).
    public init?(word: String) {
        switch word.lowercased() {
        case "pending", "queued", "todo", "open": self = .pending
        case "in_progress", "running", "started", "active", "working": self = .inProgress
        case "blocked", "waiting", "paused": self = .blocked
        case "splitting", "split": self = .splitting
        case "completed", "complete", "done", "success", "succeeded", "finished": self = .completed
        case "cancelled", "canceled", "cancel", "aborted": self = .cancelled
        default: return nil
        }
    }
}

/// Where a workflow instance stands: running, then one of the three final states.
public enum WorkflowStatus: String, Sendable, CaseIterable {
    case running
    case completed
    case failed
    case cancelled

    public var isOpen: Bool { self == .running }

    public init?(word: String) {
        switch word.lowercased() {
        case "running", "in_progress", "started", "active", "pending": self = .running
        case "completed", "complete", "done", "success", "succeeded", "finished": self = .completed
        case "failed", "failure", "error", "errored": self = .failed
        case "cancelled", "canceled", "cancel", "aborted": self = .cancelled
        default: return nil
        }
    }
}

/// Where one step of a workflow stands.
public enum StepStatus: String, Sendable, CaseIterable {
    case started
    case completed
    case failed
}

/// How hard a task is, as the frontend judges it.
public enum Complexity: String, Sendable, CaseIterable {
    case low
    case medium
    case high

    public init?(word: String) {
        switch word.lowercased() {
        case "low", "simple", "easy", "trivial": self = .low
        case "medium", "moderate", "normal": self = .medium
        case "high", "complex", "hard": self = .high
        default: return nil
        }
    }
}
