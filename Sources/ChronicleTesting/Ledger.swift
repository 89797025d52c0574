public import ChronicleCore

/// A stand-in for the appender: decides commands against the states it holds and folds the
/// events with ``Entity/evolve(_:_:)``, each recorded at the seq and revision the test names.
public struct Ledger {
    public var decider: Decider
    public var state: DecisionState

    public init(decider: Decider = Decider(), state: DecisionState = DecisionState()) {
        self.decider = decider
        self.state = state
    }

    public func decide(_ command: Command, _ envelope: Envelope = Envelope()) throws(CommandError) -> Decider.Decision {
        try decider.decide(command, envelope, given: state)
    }

    /// Records `draft` as the event at `seq`, revision `rev` of its stream, valid from `valid`,
    /// folds it, and returns the stream's new state.
    public mutating func fold(_ draft: EventDraft, seq: Int64, rev: Int, valid: Timestamp, recorded: Timestamp? = nil) -> Entity? {
        let e = RecordedEvent(
            seq: seq, stream: draft.stream, streamRevision: rev, validFrom: valid, recordedAt: recorded ?? valid,
            commandID: "c-\(seq)", event: draft.event)
        state.revisions[draft.stream] = rev
        state.entities[draft.stream] = Entity.evolve(state.entities[draft.stream], e)
        return state.entities[draft.stream]
    }
}
