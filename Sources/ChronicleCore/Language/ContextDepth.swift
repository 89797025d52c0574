/// How much `cl:` returns: a one-line summary, or the entity's whole state as JSON.
public enum ContextDepth: String, Sendable, CaseIterable {
    case summary
    case full
}
