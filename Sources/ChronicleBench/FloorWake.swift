import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How the benchmark's floor followers (``FloorFollower``, ``RedisFloorFollower``) wake for the
/// log: on a thread of their own, asleep on an inotify watch of the log's directory (the mask
/// chronicle's `LogWatcher` uses); woken, they look for new commits every 0.2 ms until one shows
/// (the WAL is written, and notified, before its commit becomes visible; at most 200 ms), then
/// on for 10 ms after each (a commit whose notification came before the previous commit was
/// visible, drained with it, wakes nothing and must not wait for the next).
final class FloorWake: @unchecked Sendable {  // the thread runs the step; stop() only writes to the pipe
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    /// Watches the directory of the log at `logPath`.
    init(logPath: String) throws {
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw BenchError.system(call: "inotify_init1", errno: errno) }
        let logDirectory = (logPath as NSString).deletingLastPathComponent
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO)
        guard inotify_add_watch(inotify, logDirectory.isEmpty ? "." : logDirectory, mask) >= 0 else {
            throw BenchError.system(call: "inotify_add_watch \(logDirectory)", errno: errno)
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw BenchError.system(call: "pipe", errno: errno) }
        stopPipe = (fds[0], fds[1])
    }

    deinit {
        close(inotify)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    /// Runs `step` (true: it found and showed something new) on a thread of its own, each time
    /// a commit may have become visible, until ``stop()``.
    func start(_ step: @escaping @Sendable () throws -> Bool) {
        Thread.detachNewThread { [self] in
            do { try run(step) } catch { failure = error }
            done.signal()
        }
    }

    /// Stops the thread and waits for it; throws what stopped it early, if anything did.
    func stop() throws {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        done.wait()
        if let failure { throw failure }
    }

    private func run(_ step: () throws -> Bool) throws {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            var fds = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, 1_000) >= 0 || errno == EINTR else { throw BenchError.system(call: "poll", errno: errno) }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            while buffer.withUnsafeMutableBytes({ read(inotify, $0.baseAddress, $0.count) }) > 0 {}
            var deadline = Stopwatch.now() + 200_000_000
            while Stopwatch.now() < deadline {
                if try step() { deadline = Stopwatch.now() + 10_000_000 }
                usleep(200)
            }
        }
    }
}
