public import ChronicleCore

/// What `chronicle query` keeps of a collection: tasks by status, intent, keyword and
/// context-cascade path, workflows by status; a field left nil keeps everything.
public struct EntityFilter: Sendable, Equatable {
    public var status: String?
    public var intent: String?
    public var keyword: String?
    public var context: String?

    public init(status: String? = nil, intent: String? = nil, keyword: String? = nil, context: String? = nil) {
        self.status = status
        self.intent = intent
        self.keyword = keyword
        self.context = context
    }

    /// Whether `e` is kept (memory keys and contexts always are: nothing filters them).
    public func matches(_ e: Entity) -> Bool {
        switch e {
        case .task(let t):
            (status == nil || t.status.rawValue == status) && (intent == nil || t.intent == intent)
                && (keyword.map { t.keywords.contains($0) } ?? true) && (context == nil || t.contextCascade == context)
        case .workflow(let w): status == nil || w.status.rawValue == status
        default: true
        }
    }
}
