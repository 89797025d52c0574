internal import CCrypto

/// SHA-256 from the system's libcrypto (OpenSSL), which uses the CPU's SHA extensions where
/// there are any. Through the low-level calls, with the context on the stack: no lookup of the
/// algorithm and no allocation per digest, and safe on any thread.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes`, written over `out` (which keeps its capacity).
    static func hash(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if out.count != byteCount { out = [UInt8](repeating: 0, count: byteCount) }
        var context = SHA256_CTX()
        SHA256_Init(&context)
        SHA256_Update(&context, bytes.baseAddress, bytes.count)
        out.withUnsafeMutableBufferPointer { digest in _ = SHA256_Final(digest.baseAddress, &context) }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { hash($0, into: &out) }
        return out
    }

    /// A digest (or any bytes) as lower-case hex, two digits a byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
