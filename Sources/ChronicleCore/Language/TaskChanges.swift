/// The fields of a task that `task.update` (and the handoff object) may set; nil leaves a field as it is.
public struct TaskChanges: Sendable, Equatable {
    public var title: String?
    public var description: String?
    public var intent: String?
    public var complexity: Complexity?
    public var confidence: Double?
    public var keywords: [String]?
    public var patterns: [String]?
    public var related: [String]?
    public var contextCascade: String?
    public var estimatedEffort: String?

    public init() {}

    public var isEmpty: Bool { self == TaskChanges() }
}
