#if canImport(Glibc)
    import Glibc
#endif

/// The opens, reads and renames of the files of one directory, as inotify reports them: how
/// the benchmark sees, without touching the files, when a projector opens a file it is about
/// to read (`IN_OPEN`), when it has read it (`IN_CLOSE_NOWRITE`) and when it renames a new
/// version into place (`IN_MOVED_TO`). The benchmark sleeps in `poll` on ``fd``, so watching
/// costs no CPU that the watched processes could use. Its own opens show up too: it drains
/// them right after making them.
final class FileEventWatch {
    /// One notification: the file's name in the directory and inotify's mask.
    struct Event {
        var name: String
        var mask: UInt32
    }

    /// Readable when a notification is waiting to be read by ``drain()``.
    let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Watches the files of `directory` (existing) for the events of `mask`.
    init(directory: String, mask: UInt32) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw BenchError.system(call: "inotify_init1", errno: errno) }
        guard inotify_add_watch(fd, directory, mask | UInt32(IN_ONLYDIR)) >= 0 else {
            let code = errno
            close(fd)
            throw BenchError.system(call: "inotify_add_watch \(directory)", errno: code)
        }
    }

    deinit { close(fd) }

    /// The notifications about files (not the directory itself) since the last call, in the
    /// order reported; empty when there is none. Never blocks.
    func drain() throws -> [Event] {
        var events: [Event] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return events }
                throw BenchError.system(call: "read from inotify", errno: errno)
            }
            guard n > 0 else { return events }
            // Each record: wd, mask, cookie, len (4 bytes each), then a NUL-padded name of len bytes.
            var offset = 0
            while offset + 16 <= n {
                let (mask, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let name = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                if !name.isEmpty, mask & UInt32(IN_ISDIR) == 0 {
                    events.append(Event(name: String(decoding: name, as: UTF8.self), mask: mask))
                }
                offset += 16 + length
            }
        }
    }
}
