/// A memory key as of some (valid, known) point: its current value and how many stores made it.
public struct MemoryState: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
    public var type: String
    public var category: String?
    public var significance: Double?
    /// How many times a value was stored under the key (1 for the first store).
    public var version: Int
    /// Valid time of the value shown.
    public var validFrom: Timestamp
    public var revision: Int

    /// Folds one event; a forgotten key is nil (it no longer exists), a later store brings it back.
    /// - Complexity: O(1).
    public static func evolve(_ state: MemoryState?, _ e: RecordedEvent) -> MemoryState? {
        switch e.event {
        case .memoryStored(let value, let type, let category, let significance):
            return MemoryState(
                key: e.stream.id, value: value, type: type, category: category, significance: significance,
                version: (state?.version ?? 0) + 1, validFrom: e.validFrom, revision: e.streamRevision)
        case .memoryForgotten:
            return nil
        default:
            guard var m = state else { return nil }
            m.revision = e.streamRevision
            return m
        }
    }
}
