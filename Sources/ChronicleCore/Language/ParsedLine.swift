/// One parsed input line.
public enum ParsedLine: Sendable, Equatable {
    /// An empty line or a `#` comment: no ack.
    case skip
    case command(Command, Envelope)
}
