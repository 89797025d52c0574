#if canImport(Glibc)
    import Glibc
#endif

/// The files renamed into a few directories, as inotify reports them (`IN_MOVED_TO`): how the
/// benchmark sees a file of a tree replaced, since every writer it watches writes a temporary
/// file beside the target and renames it into place. The watcher sleeps in `poll` until the
/// kernel reports a rename, so watching costs no CPU that the writers could use.
final class RenameWatch {
    /// Readable when a rename is waiting to be read by ``drain()``.
    let fd: Int32
    /// The watched directories by watch descriptor, relative to the root.
    private var directories: [Int32: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Watches `directories` (relative to `root`, each existing).
    init(root: String, directories: [String]) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw BenchError.system(call: "inotify_init1", errno: errno) }
        for directory in directories {
            let wd = inotify_add_watch(fd, "\(root)/\(directory)", UInt32(IN_MOVED_TO))
            guard wd >= 0 else {
                let code = errno
                close(fd)
                throw BenchError.system(call: "inotify_add_watch \(root)/\(directory)", errno: code)
            }
            self.directories[wd] = directory
        }
    }

    deinit { close(fd) }

    /// The paths (relative to the root) renamed into place since the last call, in the order
    /// reported; empty when there is none. Never blocks.
    func drain() throws -> [String] {
        var paths: [String] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return paths }
                throw BenchError.system(call: "read from inotify", errno: errno)
            }
            guard n > 0 else { return paths }
            // Each record: wd, mask, cookie, len (4 bytes each), then a NUL-padded name of len bytes.
            var offset = 0
            while offset + 16 <= n {
                let (wd, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let name = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                if let directory = directories[wd], !name.isEmpty {
                    paths.append(directory + "/" + String(decoding: name, as: UTF8.self))
                }
                offset += 16 + length
            }
        }
    }
}
