/// A task as a command describes it, before it exists.
public struct TaskSpec: Sendable, Equatable {
    public var id: String?
    public var title: String
    public var intent: String
    public var complexity: Complexity
    public var description: String?
    public var confidence: Double?
    public var keywords: [String] = []
    public var patterns: [String] = []
    public var related: [String] = []
    public var parent: String?
    public var contextCascade: String?
    public var estimatedEffort: String?

    public init(id: String? = nil, title: String, intent: String, complexity: Complexity) {
        self.id = id
        self.title = title
        self.intent = intent
        self.complexity = complexity
    }
}
