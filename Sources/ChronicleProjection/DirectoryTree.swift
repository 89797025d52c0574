#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A directory a view writes its files into. Every path is relative and opened from the
/// directory's own descriptor, one segment at a time, never following a symbolic link: an id, a
/// key, a context path or a link planted in the tree cannot make a file land outside it. Each
/// file is written whole to a temporary name beside it and renamed into place, so a reader sees
/// the old bytes or the new, never a part.
public final class DirectoryTree {
    public let path: String
    private let root: Int32
    /// Directories opened during ``reusingDirectories(_:)``, by relative path (nil outside one).
    private var opened: [String: Int32]?

    /// The longest name of one segment (the file system's limit, NAME_MAX).
    static let nameLimit = 255

    /// Opens the directory at `path` (which must exist and not be a symbolic link).
    public init(opening path: String) throws(ProjectionError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        self.path = path
        root = fd
    }

    /// Creates the directory `path` and any missing parent (as `mkdir -p`); an existing
    /// directory is fine.
    public static func createDirectories(_ path: String) throws(ProjectionError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .io(operation: "create", path: prefix, errno: errno) }
            prefix += "/"
        }
    }

    deinit {
        for fd in (opened ?? [:]).values { close(fd) }
        close(root)
    }

    /// Runs `body` with each directory opened once and kept open until it returns, instead of
    /// once per file (a catch-up writes thousands of files into a few directories). Only for a
    /// bounded batch: a directory removed or moved meanwhile keeps its descriptor.
    public func reusingDirectories<T>(_ body: () throws -> T) rethrows -> T {
        guard opened == nil else { return try body() }
        opened = [:]
        defer {
            for fd in opened!.values { close(fd) }
            opened = nil
        }
        return try body()
    }

    /// Gives back a descriptor ``directory(_:creating:for:)`` returned.
    private func release(_ dir: Int32) {
        if dir != root && opened == nil { close(dir) }
    }

    /// The segments of `relative`, checked: none empty, `.` or `..`, none over the name
    /// limit, no NUL, not absolute.
    static func segments(_ relative: String) throws(ProjectionError) -> [String] {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty, part != ".", part != "..", part.utf8.count <= nameLimit - 16, !part.utf8.contains(0) else {
                throw .unsafePath(relative)
            }
        }
        return parts
    }

    /// Writes `bytes` to the file at `relative`, creating its directories. `durable`: on disk
    /// before it returns (the file and its directory synced), for what exists nowhere else (a
    /// person's refused text); a view's files are not, being rebuilt from the log when lost.
    public func write(_ relative: String, _ bytes: [UInt8], durable: Bool = false) throws(ProjectionError) {
        let parts = try Self.segments(relative)
        let dir = try directory(parts.dropLast(), creating: true, for: relative)
        defer { release(dir) }
        let name = parts.last!
        let temporary = ".\(name).tmp-\(getpid())"
        // Exclusive: a stale temporary (a killed run's) is removed first, and a link or hard link
        // planted under that name is never written through.
        var fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 && errno == EEXIST {
            unlinkat(dir, temporary, 0)
            fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw .io(operation: "create", path: relative, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { writeBytes(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlinkat(dir, temporary, 0)
                throw .io(operation: "write", path: relative, errno: code)
            }
            offset += n
        }
        if durable && fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlinkat(dir, temporary, 0)
            throw .io(operation: "sync", path: relative, errno: code)
        }
        close(fd)
        // A link or a file of that name is replaced itself: rename never follows it.
        guard renameat(dir, temporary, dir, name) == 0 else {
            let code = errno
            unlinkat(dir, temporary, 0)
            throw .io(operation: "rename into place", path: relative, errno: code)
        }
        if durable && fsync(dir) != 0 { throw .io(operation: "sync the directory of", path: relative, errno: errno) }
    }

    /// The bytes of the file at `relative`; nil when there is none. A link, a directory or any
    /// other thing that is not a regular file standing there is an error, as is any failure
    /// but a missing file.
    public func read(_ relative: String) throws(ProjectionError) -> [UInt8]? {
        let parts = try Self.segments(relative)
        let dir: Int32
        do {
            dir = try directory(parts.dropLast(), creating: false, for: relative)
        } catch {
            if case .io(_, _, ENOENT) = error { return nil }
            throw error
        }
        defer { release(dir) }
        // Non-blocking: a FIFO planted in the tree must not hang the reader.
        let fd = openat(dir, parts.last!, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: relative, errno: errno)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw .io(operation: "read (not a regular file)", path: relative, errno: EINVAL)
        }
        // The size it has now, and one byte more to see the end (or that it grew meanwhile).
        var out = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while true {
            if count == out.count { out += [UInt8](repeating: 0, count: max(4_096, out.count)) }
            let n = out.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: relative, errno: errno)
            }
            if n == 0 {
                out.removeLast(out.count - count)
                return out
            }
            count += n
        }
    }

    /// Appends `bytes` to the file at `relative` (created when missing), in one `write`: a
    /// journal line is there whole or, after a crash in the middle of it, as a torn last line.
    public func append(_ relative: String, _ bytes: [UInt8]) throws(ProjectionError) {
        let parts = try Self.segments(relative)
        let dir = try directory(parts.dropLast(), creating: true, for: relative)
        defer { release(dir) }
        let fd = openat(dir, parts.last!, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: relative, errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { writeBytes(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "append to", path: relative, errno: errno)
            }
            offset += n
        }
    }

    /// Takes an exclusive lock on the file at `relative` (created when missing) for as long as
    /// the returned descriptor stays open; nil when another process holds it.
    public func lock(_ relative: String) throws(ProjectionError) -> Int32? {
        let parts = try Self.segments(relative)
        let dir = try directory(parts.dropLast(), creating: true, for: relative)
        defer { release(dir) }
        let fd = openat(dir, parts.last!, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: relative, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .io(operation: "lock", path: relative, errno: code)
        }
        return fd
    }

    /// Removes the file at `relative`; nothing when there is none.
    public func remove(_ relative: String) throws(ProjectionError) {
        let parts = try Self.segments(relative)
        guard let dir = try? directory(parts.dropLast(), creating: false, for: relative) else { return }
        defer { release(dir) }
        guard unlinkat(dir, parts.last!, 0) == 0 || errno == ENOENT else {
            throw .io(operation: "remove", path: relative, errno: errno)
        }
    }

    /// The relative paths of the regular files under the directory `relative` (the root for
    /// ""), at any depth, sorted; nothing when it is missing. Symbolic links, and what they point
    /// at, are never listed or entered.
    public func files(under relative: String) throws(ProjectionError) -> [String] {
        let parts = relative.isEmpty ? [] : try Self.segments(relative)
        let dir: Int32
        do {
            dir = try directory(parts[...], creating: false, for: relative)
        } catch {
            if case .io(_, _, ENOENT) = error { return [] }
            throw error
        }
        var found: [String] = []
        try Self.walk(dup(dir), prefix: relative.isEmpty ? "" : relative + "/", into: &found)
        release(dir)
        return found.sorted()
    }

    /// The entries of the open directory `stream`, "." and ".." left out: each name, and its
    /// type as the directory says it (`DT_DIR`, `DT_REG`, … or `DT_UNKNOWN`). The one listing
    /// loop of the projector's file code.
    static func entries(of stream: OpaquePointer) -> [(name: String, type: UInt8)] {
        var out: [(String, UInt8)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { out.append((name, entry.pointee.d_type)) }
        }
        return out
    }

    /// Lists `fd`'s directory into `found` (and closes `fd`).
    private static func walk(_ fd: Int32, prefix: String, into found: inout [String]) throws(ProjectionError) {
        guard fd >= 0, let stream = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            throw .io(operation: "list", path: prefix, errno: errno)
        }
        defer { closedir(stream) }
        for (name, _) in entries(of: stream) {
            var status = stat()
            guard fstatat(fd, name, &status, Int32(AT_SYMLINK_NOFOLLOW)) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG: found.append(prefix + name)
            case S_IFDIR:
                try walk(openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), prefix: prefix + name + "/", into: &found)
            default: continue
            }
        }
    }

    /// The descriptor of the directory `parts` under the root (the root itself for none).
    private func directory(_ parts: ArraySlice<String>, creating: Bool, for relative: String) throws(ProjectionError) -> Int32 {
        guard !parts.isEmpty else { return root }
        let key = parts.joined(separator: "/")
        if let fd = opened?[key] { return fd }
        let fd = try openDirectory(parts, creating: creating, for: relative)
        opened?[key] = fd
        return fd
    }

    /// Opens the directory `parts` under the root, segment by segment, never through a link.
    private func openDirectory(_ parts: ArraySlice<String>, creating: Bool, for relative: String) throws(ProjectionError) -> Int32 {
        var current = root
        for part in parts {
            var next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && creating {
                guard mkdirat(current, part, 0o755) == 0 || errno == EEXIST else {
                    let code = errno
                    if current != root { close(current) }
                    throw .io(operation: "create directory for", path: relative, errno: code)
                }
                next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            if current != root { close(current) }
            // ELOOP or ENOTDIR: a symbolic link or a file stands where a directory should be.
            guard next >= 0 else { throw .io(operation: "open directory for", path: relative, errno: code) }
            current = next
        }
        return current
    }
}

/// `write(2)`, under a name the tree's own `write` does not hide.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

/// `read(2)`, under a name the tree's own `read` does not hide (Glibc's and Darwin's alike).
private func readBytes(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, bytes, count) }
