public import ChronicleStore
internal import Foundation

/// Reads a log's events in `seq` order from a position, in batches; following, it then waits
/// for other processes' commits (woken by the ``LogWatcher``) and reads those too. What
/// `chronicle tail` prints; what a projector that follows the log will read.
public struct LogFollower {
    public let log: EventLog
    /// The position of the next event to read.
    public private(set) var next: Int64
    /// Events per read.
    public var batch = 10_000

    public init(log: EventLog, from next: Int64) {
        self.log = log
        self.next = next
    }

    /// Hands every event from ``next`` on to `deliver`, a batch at a time (an empty batch when
    /// there is nothing new), until the log's end; `following`, then waits for more (woken by
    /// `watcher`, or looking every 50 ms without one), until `deliver` returns false. Throws
    /// what reading the log throws.
    /// With `stop`, a stop signal ends the following after the batch in flight is delivered.
    public mutating func run(
        following: Bool, watcher: LogWatcher?, stop: StopSignal? = nil, _ deliver: ([ExportedEvent]) throws -> Bool
    ) throws {
        // After a wake-up that found nothing new, look again a few times, sooner than the next
        // notification: the WAL is written (and notified) before the commit becomes visible.
        var retry = 0
        while stop?.isRaised != true {
            let from = next
            let events = try log.read { tx in try tx.exported(after: from - 1, limit: batch) }
            guard try deliver(events) else { return }
            if let last = events.last {
                next = last.seq + 1
                retry = 0
            }
            if events.count == batch { continue }
            guard following else { return }
            if events.isEmpty, retry < Self.retryMicroseconds.count {
                usleep(Self.retryMicroseconds[retry])
                retry += 1
                continue
            }
            // Woken by a change in the log's directory; the timeout only guards against a
            // missed notification.
            guard let watcher else {
                usleep(50_000)
                continue
            }
            if watcher.wait(timeoutMilliseconds: 1_000, stop: stop) { retry = 0 }
        }
    }

    /// Every 0.2 ms for 10 ms, then every 10 ms for 200 ms more (a slow fsync): each look is one
    /// indexed read of the rows after the last one printed.
    static let retryMicroseconds: [UInt32] = Array(repeating: 200, count: 50) + Array(repeating: 10_000, count: 20)
}
