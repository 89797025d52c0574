import ArgumentParser
import ChronicleCore

/// The one grammar of log positions and time points on the command line: a position is `#SEQ`
/// (or a plain number where only a position is taken), a valid time is RFC 3339, a known-at
/// point is either. Each error names the option and says what it takes.
enum PointArguments {
    static let timeExample = "an RFC 3339 time like 2025-06-01T10:00:00Z"

    /// A log position: `#SEQ` or `SEQ`, at least `minimum`.
    static func position(_ text: String, option: String, minimum: Int64 = 1) throws -> Int64 {
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let seq = Int64(digits), seq >= minimum else {
            throw ValidationError("\(option) '\(text)' is not a log position: write #SEQ or SEQ, a number from \(minimum) (like #42)")
        }
        return seq
    }

    /// A valid time. `axisHint` says where positions are taken instead, for a `#SEQ` given here.
    static func validTime(_ text: String, option: String, axisHint: String? = nil) throws -> Timestamp {
        if let t = Timestamp(rfc3339: text) { return t }
        if text.hasPrefix("#"), let axisHint {
            throw ValidationError(
                "\(option) '\(text)' is a log position, but \(option) takes a valid time here (\(timeExample)); \(axisHint)")
        }
        throw ValidationError("\(option) '\(text)' is not \(timeExample)")
    }

    /// A known-at point: a time, or `#SEQ` (at most `lastSeq`, the log's last position).
    static func knownAt(_ text: String, option: String, lastSeq: Int64) throws -> KnownAt {
        guard let k = KnownAt(text) else {
            throw ValidationError("\(option) '\(text)' is neither \(timeExample) nor a log position like #42")
        }
        if case .position(let seq) = k { try within(seq, option: option, text: text, lastSeq: lastSeq) }
        return k
    }

    /// Refuses a position past the log's end.
    static func within(_ seq: Int64, option: String, text: String, lastSeq: Int64) throws {
        guard seq <= lastSeq else {
            throw ValidationError(
                "\(option) '\(text)' is past the end of the log: its last position is #\(lastSeq)\(lastSeq == 0 ? " (it is empty)" : "")")
        }
    }
}
