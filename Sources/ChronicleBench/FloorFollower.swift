import Foundation
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The floor the follow lag of `chronicle project yaml --follow` is compared with: the least a
/// follower of the log must do to show a commit in a file. On a thread of its own it sleeps on
/// an inotify watch of the log's directory (the mask chronicle's `LogWatcher` uses); woken, it
/// reads the head of the log (`SELECT max(seq)`, one prepared statement) every 0.2 ms until the
/// head moves (the WAL is written, and notified, before its commit becomes visible), writes the
/// head's seq to one file, `head`, by a temporary file renamed into place, and goes on reading
/// the head every 0.2 ms until 10 ms pass without a change (so that no commit waits for a later
/// notification). No event is decoded, folded or rendered: what is left of chronicle's lag
/// above this is its own work.
final class FloorFollower: @unchecked Sendable {  // the thread owns the database; stop() only writes to the pipe
    /// The file it rewrites, in the directory it was given.
    static let fileName = "head"

    private let database: RawDatabase
    private let head: OpaquePointer
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let directory: String
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    /// Watches the log at `logPath` and writes into `directory` (which must exist).
    init(logPath: String, directory: String) throws {
        self.directory = directory
        database = try RawDatabase(path: logPath)
        head = try database.prepare("SELECT coalesce(max(seq), 0) FROM events")
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
        sqlite3_finalize(head)
        close(inotify)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    /// Starts following on a thread of its own.
    func start() {
        Thread.detachNewThread { [self] in
            do { try follow() } catch { failure = error }
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

    private func follow() throws {
        var last = try readHead()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            var fds = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, 1_000) >= 0 || errno == EINTR else { throw BenchError.system(call: "poll", errno: errno) }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            while buffer.withUnsafeMutableBytes({ read(inotify, $0.baseAddress, $0.count) }) > 0 {}
            // Every 0.2 ms until the commit that woke it is visible (at most 200 ms), then for
            // 10 ms after each change: a commit whose notification came before the previous
            // commit was visible (drained with it) wakes nothing, and must not wait for the next.
            var deadline = Stopwatch.now() + 200_000_000
            while Stopwatch.now() < deadline {
                let now = try readHead()
                if now > last {
                    try writeFile(now)
                    last = now
                    deadline = Stopwatch.now() + 10_000_000
                }
                usleep(200)
            }
        }
    }

    private func readHead() throws -> Int64 {
        defer { sqlite3_reset(head) }
        guard sqlite3_step(head) == SQLITE_ROW else { throw BenchError.sqlite(path: database.path, message: database.lastError) }
        return sqlite3_column_int64(head, 0)
    }

    private func writeFile(_ seq: Int64) throws {
        let temporary = "\(directory)/.\(Self.fileName).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError.system(call: "open \(temporary)", errno: errno) }
        let bytes = Array("\(seq)\n".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard rename(temporary, "\(directory)/\(Self.fileName)") == 0 else {
            throw BenchError.system(call: "rename \(temporary)", errno: errno)
        }
    }
}
