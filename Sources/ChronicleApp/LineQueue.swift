internal import ChronicleStore
internal import Foundation

/// The hand-off between the reading thread (read, check, parse) and the committing thread
/// (decide, write, ack): decoded lines in chunks, at most `capacity` chunks waiting, so the
/// reader never runs far ahead of the log and memory stays bounded.
final class LineQueue: @unchecked Sendable {
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

    /// Every queued chunk, merged up to `limit` lines (more only when one chunk is larger);
    /// waits for at least one. Empty with `atEnd` when input is exhausted.
    func pop(limit: Int) throws -> (lines: [Appender.Line], linesRead: Int) {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !ended { condition.wait() }
        if chunks.isEmpty {
            if let failure { throw failure }
            return ([], linesRead)
        }
        var out = chunks.removeFirst()
        while let next = chunks.first, out.count + next.count <= limit {
            out.append(contentsOf: next)
            chunks.removeFirst()
        }
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
