extension Snapshot {
    /// An advance made in place (the store's `LogTransaction.advance(_:to:undoable:)`): what it touched, and
    /// what it replaced, so that it can be undone (``undo(_:)``) without the snapshot having been
    /// copied. A projector following a log of a million entities advances its state by a few
    /// streams a step; a copy of the state per step would cost the million.
    public struct Move: Sendable, Equatable {
        /// The streams folded again from all their events.
        public var refolded: [StreamID]
        /// Every stream with an event read while advancing, in id order (see ``Advance/touched``).
        public var touched: [StreamID]
        /// Each stream the advance wrote, with its state before (nil: it had none); empty for a
        /// move that was not asked to be undoable (the advance of a copy, a fold).
        public var replaced: [String: Stream?]
        /// Whether `replaced` was recorded: only then can the move be undone or say what was before.
        public var undoable: Bool
        /// The snapshot's point and pending events before.
        public var position: Int64
        public var validAt: Timestamp
        public var pending: [Scheduled]

        public init(
            refolded: [StreamID], touched: [StreamID], replaced: [String: Stream?], undoable: Bool, position: Int64, validAt: Timestamp,
            pending: [Scheduled]
        ) {
            self.refolded = refolded
            self.touched = touched
            self.replaced = replaced
            self.undoable = undoable
            self.position = position
            self.validAt = validAt
            self.pending = pending
        }

        /// The state of `id` before the move.
        public func before(_ id: String, in moved: Snapshot) -> Entity? {
            precondition(undoable, "a move made without its undo does not know what was before")
            if let old = replaced[id] { return old?.state }
            return moved.streams[id]?.state
        }
    }

    /// Takes the snapshot back to where it was before `move`.
    public mutating func undo(_ move: Move) {
        precondition(move.undoable, "a move made without its undo cannot be undone")
        for (id, old) in move.replaced {
            if let old { streams[id] = old } else { streams[id] = nil }
        }
        (position, validAt, pending) = (move.position, move.validAt, move.pending)
    }
}
