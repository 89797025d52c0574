import ChronicleRedis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The frontend's read: `HGETALL {key}` of one task after another, one every
/// ``intervalNanoseconds`` on a thread of its own with a connection of its own, each timed from
/// just before it is sent to its reply (so a read that waits on a busy server counts the wait).
/// Paced, not in a loop: a loop would take one of the machine's two cores from the projector
/// and the appender, and a real frontend reads far less often.
final class HashReader: @unchecked Sendable {  // the latencies are the thread's until `stop` has seen it end
    static let intervalNanoseconds: UInt64 = 1_000_000

    /// Milliseconds per read.
    private(set) var latencies: [Double] = []
    private let connection: RedisConnection
    private let keys: [String]
    private let limit: Int
    private let stopped = NSLock()
    private var stopRequested = false
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    /// Reads `keys` in turns; at most `limit` reads, then it stops by itself.
    init(url: RedisURL, keys: [String], limit: Int = .max) throws {
        connection = try RedisConnection(url: url)
        self.keys = keys
        self.limit = limit
        latencies.reserveCapacity(min(limit, 1_000_000))
    }

    func start() {
        Thread.detachNewThread { [self] in
            do { try read() } catch { failure = error }
            done.signal()
        }
    }

    /// Waits for the reads to end (after `limit` of them) without asking them to.
    func finish() throws {
        done.wait()
        if let failure { throw failure }
    }

    /// Asks the thread to stop and waits for it.
    func stop() throws {
        stopped.withLock { stopRequested = true }
        try finish()
    }

    private func read() throws {
        var next = Stopwatch.now()
        var i = 0
        while i < limit, !stopped.withLock({ stopRequested }) {
            let now = Stopwatch.now()
            if now < next {
                var pause = timespec(tv_sec: 0, tv_nsec: Int(next - now))
                nanosleep(&pause, nil)
                continue
            }
            let key = keys[(i &* 7_919) % keys.count]
            let sent = Stopwatch.now()
            let reply = try connection.command("HGETALL", key)
            latencies.append(Double(Stopwatch.now() - sent) / 1e6)
            guard let fields = reply.array, !fields.isEmpty else {
                throw BenchError.ackMismatch(what: "HGETALL \(key)", detail: "an empty or missing hash")
            }
            i += 1
            next += Self.intervalNanoseconds
            // A reader that fell behind (descheduled) starts again from now rather than catching up in a burst.
            if Stopwatch.now() > next + 10 * Self.intervalNanoseconds { next = Stopwatch.now() }
        }
    }
}
