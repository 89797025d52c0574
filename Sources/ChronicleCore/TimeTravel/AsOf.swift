/// A bi-temporal point: how things stood at valid time `valid`, as the log knew it at `known`.
public struct AsOf: Sendable, Equatable {
    public var valid: Timestamp
    public var known: KnownAt

    public init(valid: Timestamp, known: KnownAt) {
        self.valid = valid
        self.known = known
    }
}
