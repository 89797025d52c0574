internal import ChronicleStore
internal import Foundation

/// The hand-off between the reading thread (read, check, parse) and the committing thread
/// (decide, write, ack): decoded lines in chunks, at most `capacity` chunks waiting, so the
/// reader never runs far ahead of the log and memory stays bounded.
final class LineQueue: @unchecked Sendable {  // the mutable fields are read and written under condition
    private let condition = NSCondition()
    private var chunks: [[Appender.Line]] = []
    private var ended = false
    private var failure: (any Error)?
    private var closed = false
    private var linesRead = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Queues a chunk; waits while the queue is full. False once the consumer has gone.
    func push(_ chunk: [Appender.Line], linesRead: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        chunks.append(chunk)
        self.linesRead = linesRead
        condition.broadcast()
        return true
    }

    /// The end of input, or the error that ended reading.
    func finish(_ error: (any Error)?) {
        condition.lock()
        ended = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The queued chunks, up to `limit` lines together (more only when one chunk is larger);
    /// waits for at least one. Empty with `atEnd` when input is exhausted.
    func pop(limit: Int) throws -> (chunks: [[Appender.Line]], linesRead: Int) {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !ended { condition.wait() }
        if chunks.isEmpty {
            if let failure { throw failure }
            return ([], linesRead)
        }
        // Whole chunks are handed over as they are (no copying of lines).
        var taken = 1
        var count = chunks[0].count
        while taken < chunks.count, count + chunks[taken].count <= limit {
            count += chunks[taken].count
            taken += 1
        }
        let out = Array(chunks[..<taken])
        chunks.removeFirst(taken)
        condition.broadcast()
        return (out, linesRead)
    }

    /// The consumer stops: a waiting or later push returns false.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
