import ChronicleRedis
import Foundation
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The floor the follow lag of `chronicle project redis --follow` is compared with: the least a
/// follower of the log must do to put each commit into Redis and announce it. It wakes as
/// ``FloorFollower`` does (an inotify watch of the log's directory, then `SELECT`s every 0.2 ms
/// until new rows show, and on for 10 ms after each), reads the new rows' `seq`, `stream` and
/// `stream_rev` (one prepared statement), and sends, pipelined in one `MULTI`/`EXEC`, one
/// `HSET {prefix}tasks:{id} revision {stream_rev}` and one `PUBLISH {prefix}chronicle:changes
/// "[seq=N] su:{id}"` per row. No payload is decoded, no state folded, no key coalesced, no
/// checkpoint written: what is left of the projector's lag above this is its own work.
final class RedisFloorFollower: @unchecked Sendable {  // the thread owns the database and the connection; stop() only writes to the pipe
    private let database: RawDatabase
    private let rows: OpaquePointer
    private let connection: RedisConnection
    private let prefix: String
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?
    private var last: Int64 = 0

    init(logPath: String, url: RedisURL, prefix: String) throws {
        self.prefix = prefix
        database = try RawDatabase(path: logPath)
        rows = try database.prepare("SELECT seq, stream, stream_rev FROM events WHERE seq > ? ORDER BY seq")
        connection = try RedisConnection(url: url)
        last = try database.integer("SELECT coalesce(max(seq), 0) FROM events")
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
        sqlite3_finalize(rows)
        close(inotify)
        close(stopPipe.read)
        close(stopPipe.write)
    }

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
                if try publishNewRows() { deadline = Stopwatch.now() + 10_000_000 }
                usleep(200)
            }
        }
    }

    /// Sends the rows after `last` in one transaction; false when there were none.
    private func publishNewRows() throws -> Bool {
        var commands: [[String]] = [["MULTI"]]
        sqlite3_bind_int64(rows, 1, last)
        defer { sqlite3_reset(rows) }
        var rc = sqlite3_step(rows)
        while rc == SQLITE_ROW {
            let seq = sqlite3_column_int64(rows, 0)
            let stream = String(cString: sqlite3_column_text(rows, 1))
            let revision = sqlite3_column_int64(rows, 2)
            let id = stream.split(separator: "/", maxSplits: 1).last.map(String.init) ?? stream
            commands.append(["HSET", "\(prefix)tasks:\(id)", "revision", String(revision)])
            commands.append(["PUBLISH", "\(prefix)chronicle:changes", "[seq=\(seq)] su:\(id)"])
            last = seq
            rc = sqlite3_step(rows)
        }
        guard rc == SQLITE_DONE else { throw BenchError.sqlite(path: database.path, message: database.lastError) }
        guard commands.count > 1 else { return false }
        commands.append(["EXEC"])
        let replies = try connection.send(commands)
        if let refused = replies.first(where: { $0.errorMessage != nil }) {
            throw BenchError.ackMismatch(what: "floor follower", detail: refused.errorMessage ?? "")
        }
        return true
    }
}
