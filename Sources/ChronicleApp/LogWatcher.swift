internal import Foundation

#if canImport(Glibc)
    internal import Glibc
#endif

/// Wakes a reader when another process writes the log: an inotify watch on the log's directory
/// (the database, its WAL and shared-memory files), so a follower sleeps until a commit instead
/// of polling the table.
public final class LogWatcher: LogWakeUp {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 4_096)

    /// Watches the directory that holds `path`; nil when inotify is not available.
    public init?(logPath path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        #if canImport(Glibc)
            fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard fd >= 0 else { return nil }
            let mask = UInt32(IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO)
            guard inotify_add_watch(fd, directory.isEmpty ? "." : directory, mask) >= 0 else {
                close(fd)
                return nil
            }
        #else
            return nil
        #endif
    }

    deinit { close(fd) }

    /// Waits until a file of the directory changes or `timeoutMilliseconds` pass; true when
    /// something changed. Pending notifications are consumed.
    public func wait(timeoutMilliseconds: Int32, stop: StopSignal? = nil) -> Bool {
        if let stop {
            guard stop.wait(readable: fd, timeoutMilliseconds: timeoutMilliseconds) else { return false }
        } else {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeoutMilliseconds) > 0 else { return false }
        }
        drain()
        return true
    }

    public var descriptor: Int32? { fd }

    /// Drains every queued notification: one read of the log answers them all.
    public func drain() {
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
