/// The kinds of entity the log keeps, each with its own stream prefix and reducer.
public enum EntityKind: String, Sendable, CaseIterable {
    case task
    case memory
    case workflow
    case context
}
