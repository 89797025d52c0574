/// The stream of one entity, written `kind/id` (`task/auth_impl_001`, `memory/user_preference`).
public struct StreamID: Hashable, Sendable, CustomStringConvertible {
    public var kind: EntityKind
    public var id: String

    public init(_ kind: EntityKind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    /// Parses `kind/id`; nil when the kind is unknown or the id is empty.
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/"), let kind = EntityKind(rawValue: String(text[..<slash])) else {
            return nil
        }
        let id = String(text[text.index(after: slash)...])
        guard !id.isEmpty else { return nil }
        self.init(kind, id)
    }

    public var description: String { kind.rawValue + "/" + id }
}
