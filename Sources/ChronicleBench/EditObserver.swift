#if canImport(Glibc)
    import Glibc
#endif

/// What the edit-lag benchmark sees while a command makes its way into the log: the events a
/// `chronicle tail --follow` child prints, the acks of a `chronicle append` child, and the
/// opens, reads and renames of the files of one directory of the tree, each stamped with the
/// monotonic time (``Stopwatch/now()``) the benchmark read it. It sleeps in `ppoll` on the
/// three descriptors, so watching takes no core from the projector, the appender or the tail.
final class EditObserver {
    /// One `ev:` line of the tail.
    struct LogEvent {
        /// `memory/KEY`.
        var stream: String
        var revision: Int
        var commandID: String
        var at: UInt64
    }

    /// One inotify notification about a file of the watched directory.
    struct FileEvent {
        var name: String
        var mask: UInt32
        var at: UInt64
    }

    private(set) var logEvents: [LogEvent] = []
    private(set) var fileEvents: [FileEvent] = []
    /// The appender's acks since the last ``forget()``.
    private(set) var acks: [(line: [UInt8], at: UInt64)] = []

    private let watch: FileEventWatch
    private var tail: AckReader
    private var appender: AckReader
    /// Where the tail's and the appender's standard errors go, for error messages.
    private let stderrPaths: (tail: String, appender: String)

    /// Observes the output of `tailFD` and `appenderFD` (made non-blocking here) and `watch`.
    init(tailFD: Int32, appenderFD: Int32, watch: FileEventWatch, stderrPaths: (tail: String, appender: String)) {
        self.stderrPaths = stderrPaths
        for fd in [tailFD, appenderFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        self.watch = watch
        tail = AckReader(fd: tailFD)
        appender = AckReader(fd: appenderFD)
    }

    /// Reads what is waiting, then drops everything seen so far: what happens next is new.
    func forget() throws {
        try read(tailReady: true, appenderReady: true, watchReady: true)
        logEvents.removeAll(keepingCapacity: true)
        fileEvents.removeAll(keepingCapacity: true)
        acks.removeAll(keepingCapacity: true)
    }

    /// Sleeps and reads until `done()` holds (true) or `deadline` (``Stopwatch/now()`` ns) passes (false).
    func wait(until deadline: UInt64, for done: () -> Bool) throws -> Bool {
        while !done() {
            let now = Stopwatch.now()
            guard now < deadline else { return false }
            var fds = [tail.fd, appender.fd, watch.fd].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = deadline - now
            var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
            guard FollowLag.ppoll(&fds, nfds_t(fds.count), &timeout, nil) >= 0 || errno == EINTR else {
                throw BenchError.system(call: "ppoll", errno: errno)
            }
            try read(tailReady: fds[0].revents != 0, appenderReady: fds[1].revents != 0, watchReady: fds[2].revents != 0)
        }
        return true
    }

    /// The first notification about `name` with a bit of `mask`, from the `from`th one seen on
    /// (order, not time: notifications read at once share a time), and its index.
    func firstFileEvent(_ name: String, _ mask: Int32, from: Int = 0) -> (index: Int, event: FileEvent)? {
        guard from < fileEvents.count else { return nil }
        guard let i = fileEvents[from...].firstIndex(where: { $0.name == name && $0.mask & UInt32(mask) != 0 }) else { return nil }
        return (i, fileEvents[i])
    }

    private func read(tailReady: Bool, appenderReady: Bool, watchReady: Bool) throws {
        let now = Stopwatch.now()
        if tailReady {
            guard let lines = try tail.available() else {
                throw BenchError.childFailed(what: "chronicle tail --follow", status: "an early end", stderrPath: stderrPaths.tail)
            }
            for line in lines { if let event = Self.logEvent(line, at: now) { logEvents.append(event) } }
        }
        if appenderReady {
            guard let lines = try appender.available() else {
                throw BenchError.childFailed(what: "chronicle append (edit lag)", status: "an early end", stderrPath: stderrPaths.appender)
            }
            acks += lines.map { ($0, now) }
        }
        if watchReady { fileEvents += try watch.drain().map { FileEvent(name: $0.name, mask: $0.mask, at: now) } }
    }

    /// `ev:{seq}|{stream}|{rev}|{type}|{valid_from}|{recorded_at}|{command_id}|{payload}`.
    static func logEvent(_ line: [UInt8], at: UInt64) -> LogEvent? {
        guard line.starts(with: "ev:".utf8) else { return nil }
        let fields = line.dropFirst(3).split(separator: UInt8(ascii: "|"), maxSplits: 7, omittingEmptySubsequences: false)
        guard fields.count == 8, let revision = Int(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return LogEvent(
            stream: String(decoding: fields[1], as: UTF8.self), revision: revision,
            commandID: String(decoding: fields[6], as: UTF8.self), at: at)
    }
}
