/// What wakes a reader that follows the log when another process commits to it: for SQLite, an
/// inotify watch on the log's files (``LogWatcher``); a server-based log would implement it with
/// its own notifications (PostgreSQL's LISTEN). A follower never polls the table: it reads after
/// a wake-up, or after a timeout it chose (a missed notification, a scheduled valid time).
public protocol LogWakeUp: AnyObject {
    /// Waits until the log may hold new commits, `timeoutMilliseconds` pass, or `stop` is
    /// raised; true when the log may have changed.
    func wait(timeoutMilliseconds: Int32, stop: StopSignal?) -> Bool

    /// A descriptor that is readable when the log may have changed, for a follower that waits
    /// for more than the log in one `poll` (a projector also watches its files); nil when the
    /// wake-up has none.
    var descriptor: Int32? { get }

    /// Consumes the notifications that made ``descriptor`` readable.
    func drain()
}

/// How a follower waits between reads of the log: after every read, it looks again a few
/// times, sooner than the next notification, before it sleeps until woken. The WAL is written,
/// and notified, before its commit becomes visible: a notification drained while reading one
/// commit may be the next one's, and nothing else would wake the follower for it.
public struct FollowPace {
    private var retry = 0

    public init() {}

    /// Waits before the next read. `foundNew`: the last read found something. `timeout` bounds
    /// the sleep (ms): a missed notification, or a time the follower must act at.
    public mutating func wait(foundNew: Bool, wakeUp: (any LogWakeUp)?, stop: StopSignal?, timeoutMilliseconds: Int32 = 1_000) {
        if foundNew { retry = 0 }
        if retry < Self.retryMicroseconds.count {
            let pause = min(Self.retryMicroseconds[retry], UInt32(max(timeoutMilliseconds, 0)) * 1_000)
            retry += 1
            // A pause of milliseconds waits on the wake-up, so that what else it watches (a
            // projector's tree) is seen at once, not after the pause.
            if pause >= 1_000, let wakeUp {
                // A notification now may be a commit not visible yet: look again as long again.
                if wakeUp.wait(timeoutMilliseconds: Int32(pause / 1_000), stop: stop) { retry = 0 }
            } else {
                usleep(pause)
            }
            return
        }
        guard let wakeUp else {
            usleep(UInt32(min(max(timeoutMilliseconds, 0), 50)) * 1_000)
            return
        }
        if wakeUp.wait(timeoutMilliseconds: timeoutMilliseconds, stop: stop) { retry = 0 }
    }

    /// Every 0.2 ms for 10 ms, then every 10 ms for 200 ms more (a slow fsync): each look is one
    /// indexed read of the rows after the last one read.
    static let retryMicroseconds: [UInt32] = Array(repeating: 200, count: 50) + Array(repeating: 10_000, count: 20)
}

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif
