internal import CCrypto

/// SHA-256 from the system's libcrypto (OpenSSL), which uses the CPU's SHA extensions where
/// there are any.
enum SHA256 {
    static let byteCount = 32

    /// The digest of `bytes`, written over `out` (which keeps its capacity).
    static func hash(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if out.count != byteCount { out = [UInt8](repeating: 0, count: byteCount) }
        out.withUnsafeMutableBufferPointer { digest in
            _ = CCrypto.SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, digest.baseAddress)
        }
    }

    /// The digest of `bytes`.
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { hash($0, into: &out) }
        return out
    }
}
