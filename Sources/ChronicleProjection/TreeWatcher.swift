public import ChronicleApp

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Notices people's edits of a YAML tree while its projector follows the log: an inotify watch
/// on each directory of the tree (`tasks`, `memory`, `workflows`, `contexts` at any depth, and
/// the root for those created later). It wakes the follower for the log too (it waits on the
/// log's ``LogWakeUp/descriptor`` in the same `poll`), so one wait serves both.
///
/// A path is handed out once it has been quiet for ``settleMicroseconds``: an editor that saves
/// by renaming the old file away and writing a new one (vim), or by writing a temporary file
/// and renaming it over the old one, has finished by then, so a file missing for a moment is
/// not taken for a deletion. Only names the tree reads are kept (`*.yaml`, not starting with a
/// dot): swap, backup and `.rejected-…` files never are.
public final class TreeWatcher: LogWakeUp {
    /// How long a path must be quiet before it is read.
    public static let settleMicroseconds: Int64 = 25_000

    private let fd: Int32
    private let root: String
    private let log: (any LogWakeUp)?
    /// Watch descriptor → the directory it watches, relative to the root ("" for the root).
    private var directories: [Int32: String] = [:]
    /// Paths seen changing → when last (µs, monotonic).
    private var pending: [String: Int64] = [:]
    /// Paths written to and not closed since → when first written: read once closed, or after
    /// ``longestWriteMicroseconds`` (a writer that never closes).
    private var writing: [String: Int64] = [:]
    /// How long a file held open by its writer is waited for.
    static let longestWriteMicroseconds: Int64 = 2_000_000
    /// Set when the kernel dropped notifications, and at first (what changed before the watch
    /// began is not known): every file must be looked at.
    public private(set) var overflowed = true
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    /// The rename cookies of this process's own temporary files (`.NAME.yaml.tmp-PID`) moved
    /// away: the file they become is the sink's own write, not an edit, and is not read back.
    private var ownMoves: Set<UInt32> = []
    private let ownSuffix = ".tmp-\(getpid())"

    /// Watches the tree at `root` (its directories `tops`, at any depth), waking for `log` too;
    /// nil when inotify is not available.
    public init?(root: String, tops: [String], log: (any LogWakeUp)?) {
        #if canImport(Glibc)
            fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard fd >= 0 else { return nil }
            self.root = root
            self.log = log
            watch("")
            for top in tops { watchTree(top) }
        #else
            return nil
        #endif
    }

    deinit { close(fd) }

    public var descriptor: Int32? { fd }

    public func drain() { collect() }

    /// The paths changed and quiet since, each once, in path order (`overflowed` cleared: the
    /// caller looks at every file then).
    public func ready() -> [String] {
        collect()
        let now = Self.monotonic()
        // Quiet, and not held open by a writer (for at most ``longestWrite``).
        let settled = pending.filter { path, last in
            now - last >= Self.settleMicroseconds && writing[path].map { now - $0 >= Self.longestWriteMicroseconds } ?? true
        }.keys.sorted()
        for path in settled { (pending[path], writing[path]) = (nil, nil) }
        return settled
    }

    /// Takes `paths` as changed now: each is handed out once quiet, like a path notified (the
    /// files a caller must look at after an overflow, or when the watch begins).
    public func markPending(_ paths: [String]) {
        let now = Self.monotonic()
        for path in paths { pending[path] = max(pending[path] ?? now, now) }
    }

    /// Takes back the overflow flag: true when the caller must look at every file.
    public func takeOverflow() -> Bool {
        defer { overflowed = false }
        return overflowed
    }

    /// Milliseconds until the next pending path settles; nil when none is pending.
    public var nextSettleMilliseconds: Int32? {
        guard let earliest = pending.values.min() else { return nil }
        let left = Self.settleMicroseconds - (Self.monotonic() - earliest)
        return Int32(max(1, left / 1_000 + 1))
    }

    /// Waits until the log may have changed (true), a file of the tree changed, a stop is
    /// asked for, or `timeoutMilliseconds` pass (false).
    public func wait(timeoutMilliseconds: Int32, stop: StopSignal?) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let logFD = log?.descriptor { fds.append(pollfd(fd: logFD, events: Int16(POLLIN), revents: 0)) }
        if let stop { fds.append(pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0)) }
        var timeout = timeoutMilliseconds
        if let settle = nextSettleMilliseconds { timeout = timeout < 0 ? settle : min(timeout, settle) }
        while true {
            let n = poll(&fds, nfds_t(fds.count), timeout)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            break
        }
        if fds[0].revents != 0 { collect() }
        if log?.descriptor != nil, fds[1].revents != 0 {
            log?.drain()
            return true
        }
        return false
    }

    /// Reads every queued notification into `pending`; watches new directories.
    private func collect() {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            var offset = 0
            while offset + 16 <= n {
                let (wd, mask, cookie, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                        raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, n)].prefix { $0 != 0 }
                offset += 16 + length
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    overflowed = true
                    continue
                }
                guard let directory = directories[wd], !nameBytes.isEmpty else { continue }
                let name = String(decoding: nameBytes, as: UTF8.self)
                let relative = directory.isEmpty ? name : directory + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 {
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !directory.isEmpty || Self.isTop(name) {
                        watchTree(relative, filesPending: true)
                    }
                    continue
                }
                if mask & UInt32(IN_MOVED_FROM) != 0, name.hasPrefix("."), name.hasSuffix(ownSuffix) {
                    if ownMoves.count > 100_000 { ownMoves.removeAll() }
                    ownMoves.insert(cookie)
                    continue
                }
                guard !directory.isEmpty, Self.isRead(name) else { continue }
                if mask & UInt32(IN_MOVED_TO) != 0, ownMoves.remove(cookie) != nil {
                    // The sink's own write renamed into place: an edit still pending is kept.
                    writing[relative] = nil
                    continue
                }
                let now = Self.monotonic()
                pending[relative] = now
                // Written to and not closed yet: a writer holds it open.
                if mask & UInt32(IN_MODIFY) != 0 {
                    writing[relative] = writing[relative] ?? now
                } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) != 0 {
                    writing[relative] = nil
                }
            }
        }
    }

    private static func isTop(_ name: String) -> Bool { ["tasks", "memory", "workflows", "contexts"].contains(name) }

    /// Whether the tree reads files named `name`: `*.yaml`, not hidden.
    static func isRead(_ name: String) -> Bool { name.hasSuffix(".yaml") && !name.hasPrefix(".") && name.count > 5 }

    /// Watches `relative` and the directories under it; with `filesPending`, the files already
    /// in them are taken as changed (a directory made, or moved in, with files in it).
    private func watchTree(_ relative: String, filesPending: Bool = false) {
        guard watch(relative) else { return }
        let (directories, files) = entries(of: relative)
        if filesPending {
            for name in files where Self.isRead(name) { pending[relative + "/" + name] = Self.monotonic() }
        }
        for sub in directories { watchTree(relative + "/" + sub, filesPending: filesPending) }
    }

    @discardableResult
    private func watch(_ relative: String) -> Bool {
        #if canImport(Glibc)
            let path = relative.isEmpty ? root : root + "/" + relative
            // IN_MODIFY too: a file written in place stays pending while it is being written.
            let mask = UInt32(
                IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DONT_FOLLOW | IN_ONLYDIR
                    | IN_EXCL_UNLINK)
            let wd = inotify_add_watch(fd, path, relative.isEmpty ? UInt32(IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW) : mask)
            guard wd >= 0 else { return false }
            directories[wd] = relative
            return true
        #else
            return false
        #endif
    }

    /// The directories and the regular files in `relative` (d_type; links are neither).
    private func entries(of relative: String) -> (directories: [String], files: [String]) {
        guard let dir = opendir(root + "/" + relative) else { return ([], []) }
        defer { closedir(dir) }
        var out: ([String], [String]) = ([], [])
        for (name, type) in DirectoryTree.entries(of: dir) {
            if type == UInt8(DT_DIR) {
                out.0.append(name)
            } else if type == UInt8(DT_REG) {
                out.1.append(name)
            }
        }
        return out
    }

    private static func monotonic() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000 + Int64(t.tv_nsec) / 1_000
    }
}
