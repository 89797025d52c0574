#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress lines on standard error, kept apart from the result table on standard output.
enum ProgressNote {
    private static let start = Stopwatch()

    /// Writes `[  12.3s] message` to standard error.
    static func say(_ message: String) {
        let seconds = start.elapsedSeconds
        let stamp = String(Int(seconds * 10) / 10) + "." + String(Int(seconds * 10) % 10)
        let line = "[" + String(repeating: " ", count: max(0, 6 - stamp.count)) + stamp + "s] " + message + "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
