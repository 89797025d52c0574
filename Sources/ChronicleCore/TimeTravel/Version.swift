/// One version of an entity in the bi-temporal plane: the state its event made, over a valid
/// interval `[validFrom, validTo)` and a recorded interval `[recordedFrom, recordedTo)` — a
/// rectangle of a bitemporal chart. A nil end is open.
public struct Version: Sendable, Equatable {
    /// What became of the version.
    public enum Fate: String, Sendable {
        /// Still believed.
        case current
        /// A later-recorded event changed its state or its valid interval.
        case corrected
        /// Its event was retracted.
        case retracted
    }

    /// The event whose fold made the version.
    public var seq: Int64
    /// The id of the command that appended that event: the id it was given, or `@SEQ`
    /// (the seq of its first event) for a command given none.
    public var commandID: String
    public var validFrom: Timestamp
    public var validTo: Timestamp?
    public var recordedFrom: Timestamp
    public var recordedTo: Timestamp?
    public var fate: Fate
    /// The state over the rectangle; nil where the entity did not exist (a forgotten key).
    public var state: Entity?
}
