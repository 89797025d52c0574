#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A progress bar on standard error, drawn only when standard error is a terminal (nothing at
/// all otherwise: a log file or a pipe gets no carriage returns): what is done of a total, the
/// rate and the time left, redrawn at most ten times a second.
public final class ProgressBar {
    private let label: String
    private let unit: String
    private let total: Int64
    private let start = ProgressBar.seconds()
    private var drawnAt = 0.0
    private var drawn = false

    /// A bar for `total` `unit`s (`"events"`, `"files"`); nil when standard error is not a
    /// terminal, or there is nothing to show.
    public init?(_ label: String, total: Int64, unit: String, terminal: Bool? = nil) {
        guard terminal ?? (isatty(2) == 1), total > 0 else { return nil }
        (self.label, self.total, self.unit) = (label, total, unit)
    }

    /// Shows `done` of the total.
    public func update(_ done: Int64) {
        let now = Self.seconds()
        guard now - drawnAt >= 0.1 || done >= total else { return }
        drawnAt = now
        let share = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(share * Double(width))
        let elapsed = max(now - start, 0.001)
        let rate = Double(done) / elapsed
        let left = rate > 0 ? Double(total - done) / rate : 0
        let line =
            "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(share * 100))% \(done)/\(total) \(unit), \(Int(rate)) \(unit)/s, \(Int(left.rounded(.up)))s left \u{1B}[K"
        emit(line)
        drawn = true
    }

    /// Ends the bar's line.
    public func finish() {
        if drawn { emit("\n") }
        drawn = false
    }

    private func emit(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    private static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
