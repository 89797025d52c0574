#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads newline-terminated acks (or any lines) from a pipe.
struct AckReader {
    let fd: Int32
    private var pending: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(fd: Int32) { self.fd = fd }

    /// The next ack without its newline; nil at the end of the output.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let ack = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                return ack
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError.system(call: "read from chronicle append", errno: errno)
            }
            if n == 0 {
                defer { pending.removeAll() }
                return pending.isEmpty ? nil : pending
            }
            pending.append(contentsOf: chunk[..<n])
        }
    }

    /// Every whole line that can be read without waiting, for a descriptor made non-blocking
    /// (`O_NONBLOCK`) and found readable by `poll`; nil once the output has ended and no whole
    /// line is left.
    mutating func available() throws -> [[UInt8]]? {
        var ended = false
        while !ended {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                throw BenchError.system(call: "read from a child's output", errno: errno)
            }
            if n == 0 { ended = true } else { pending.append(contentsOf: chunk[..<n]) }
        }
        var lines: [[UInt8]] = []
        while let nl = pending.firstIndex(of: 10) {
            lines.append(Array(pending[..<nl]))
            pending.removeSubrange(...nl)
        }
        return ended && lines.isEmpty ? nil : lines
    }
}
