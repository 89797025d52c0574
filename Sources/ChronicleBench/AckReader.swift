#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads newline-terminated acks from a pipe.
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
}
