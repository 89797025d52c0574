#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a benchmark run could not produce its figures; each says what went wrong and where to look.
enum BenchError: Error, CustomStringConvertible {
    case system(call: String, errno: Int32)
    case sqlite(path: String, message: String)
    case childFailed(what: String, status: String, stderrPath: String)
    case ackMismatch(what: String, detail: String)
    case missingFile(path: String, hint: String)

    var description: String {
        switch self {
        case .system(let call, let e):
            return "\(call) failed: \(String(cString: strerror(e)))"
        case .sqlite(let path, let message):
            return "SQLite error on \(path): \(message)"
        case .childFailed(let what, let status, let stderrPath):
            return "\(what) ended with \(status); its stderr is in \(stderrPath)"
        case .ackMismatch(let what, let detail):
            return "\(what): the acks are not what the workload expects: \(detail)"
        case .missingFile(let path, let hint):
            return "\(path) does not exist: \(hint)"
        }
    }
}
