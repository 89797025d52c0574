internal import ChronicleStore

/// The hand-off between the reading thread (read, check, parse) and the committing thread
/// (decide, write, ack): decoded lines in chunks, at most `capacity` chunks waiting, so the
/// reader never runs far ahead of the log and memory stays bounded.
final class LineQueue: Sendable {
    private struct State {
        var chunks: [[Appender.Line]] = []
        var ended = false
        var failure: (any Error)?
        var closed = false
        var linesRead = 0
    }

    private let state = Guarded(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Queues a chunk; waits while the queue is full. False once the consumer has gone.
    func push(_ chunk: [Appender.Line], linesRead: Int) -> Bool {
        state.wait { s in
            if s.closed { return false }
            guard s.chunks.count < capacity else { return nil }
            s.chunks.append(chunk)
            s.linesRead = linesRead
            return true
        }
    }

    /// The end of input, or the error that ended reading.
    func finish(_ error: (any Error)?) {
        state.update { s in
            s.ended = true
            s.failure = error
        }
    }

    /// The queued chunks, up to `limit` lines together (more only when one chunk is larger);
    /// waits for at least one. Empty with `atEnd` when input is exhausted.
    func pop(limit: Int) throws -> (chunks: [[Appender.Line]], linesRead: Int) {
        try state.wait { s in
            if s.chunks.isEmpty {
                guard s.ended else { return nil }
                if let failure = s.failure { throw failure }
                return ([], s.linesRead)
            }
            // Whole chunks are handed over as they are (no copying of lines).
            var taken = 1
            var count = s.chunks[0].count
            while taken < s.chunks.count, count + s.chunks[taken].count <= limit {
                count += s.chunks[taken].count
                taken += 1
            }
            let out = Array(s.chunks[..<taken])
            s.chunks.removeFirst(taken)
            return (out, s.linesRead)
        }
    }

    /// The consumer stops: a waiting or later push returns false.
    func close() {
        state.update { $0.closed = true }
    }
}
