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
    /// `wakeUp`, or looking every 50 ms without one), until `deliver` returns false. Throws
    /// what reading the log throws.
    /// With `stop`, a stop signal ends the following after the batch in flight is delivered.
    public mutating func run(
        following: Bool, watcher wakeUp: (any LogWakeUp)?, stop: StopSignal? = nil, _ deliver: ([ExportedEvent]) throws -> Bool
    ) throws {
        var pace = FollowPace()
        while stop?.isRaised != true {
            let from = next
            let events = try log.read { tx in try tx.exported(after: from - 1, limit: batch) }
            guard try deliver(events) else { return }
            if let last = events.last { next = last.seq + 1 }
            if events.count == batch { continue }
            guard following else { return }
            pace.wait(foundNew: !events.isEmpty, wakeUp: wakeUp, stop: stop)
        }
    }
}
