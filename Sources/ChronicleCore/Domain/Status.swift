/// Where a task stands. The allowed moves form the state machine of ``canMove(to:)``.
public enum TaskStatus: String, Sendable, CaseIterable {
    case pending
    case inProgress = "in_progress"
    case blocked
    case splitting
    case completed
    case cancelled

    public var isOpen: Bool { self != .completed && self != .cancelled }

    /// pending → in_progress → completed; any open state → cancelled, blocked or splitting;
    /// blocked and splitting go back to pending or in_progress; completed and cancelled are final.
    /// Staying in an open state (a progress report) is allowed.
    public func canMove(to next: TaskStatus) -> Bool {
        switch (self, next) {
        case (.completed, _), (.cancelled, _): return false
        case (_, .cancelled), (_, .blocked), (_, .splitting), (_, .inProgress): return true
        case (.pending, .pending), (.blocked, .pending), (.splitting, .pending): return true
        case (.inProgress, .pending): return false
        case (.inProgress, .completed), (.splitting, .completed): return true
        case (.pending, .completed), (.blocked, .completed): return false
        default: return false
        }
    }

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
