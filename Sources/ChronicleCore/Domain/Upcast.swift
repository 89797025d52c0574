/// Older payload versions, read as today's: for each type with more than one version, the
/// steps from version 1 to 2, 2 to 3, … Each step is a pure function of the stored payload.
/// Events are never rewritten; a step runs every time an old event is read.
public enum Upcast {
    /// `type` → [step from v1 to v2, step from v2 to v3, …].
    static let steps: [String: [@Sendable (JSONValue) -> JSONValue]] = [
        // memory.stored v2 (the memory's kind is "memory_type", not "type", which read as the
        // event's type): v1 {"value", "type", "category"?, "significance"?}.
        "memory.stored": [{ renamed($0, "type", to: "memory_type") }]
    ]

    /// The payload of a `type` event stored with `version`, as the current version writes it.
    public static func toCurrent(type: String, version: Int, payload: JSONValue) -> JSONValue {
        guard let chain = steps[type], version <= chain.count else { return payload }
        var p = payload
        for step in chain[(version - 1)...] { p = step(p) }
        return p
    }

    /// The object with member `old` renamed `new`, in place (order kept).
    static func renamed(_ value: JSONValue, _ old: String, to new: String) -> JSONValue {
        guard case .object(var members) = value else { return value }
        if let i = members.firstIndex(where: { $0.key == old }) { members[i] = JSONMember(new, members[i].value) }
        return .object(members)
    }
}
