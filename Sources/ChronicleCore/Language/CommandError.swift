/// Why a line was refused: the `er:{code}|{message}|{recovery}` ack, before the line number is added.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case parse
        case unknownCommand = "unknown_command"
        case notFound = "not_found"
        case invalidTransition = "invalid_transition"
        case conflict
        case invalidTime = "invalid_time"
        case invalidID = "invalid_id"
        case tooLarge = "too_large"
        case storage
    }

    public var code: Code
    /// What is wrong, in the user's words.
    public var message: String
    /// What to do about it.
    public var recovery: String

    public init(_ code: Code, _ message: String, recovery: String) {
        self.code = code
        self.message = message
        self.recovery = recovery
    }

    public var description: String { "\(code.rawValue): \(message) (\(recovery))" }

    static func parse(_ message: String, _ recovery: String = "check the line against the command reference")
        -> CommandError
    { CommandError(.parse, message, recovery: recovery) }

    static func invalidID(_ what: String, _ id: String) -> CommandError {
        CommandError(
            .invalidID, "\(what) '\(Self.shown(id))' is not a valid id",
            recovery: "use 1-128 characters from A-Z a-z 0-9 _ . - starting with a letter or digit")
    }

    static func notFound(_ what: String, _ id: String) -> CommandError {
        CommandError(.notFound, "\(what) '\(Self.shown(id))' does not exist", recovery: "create it first or check the id")
    }

    /// A user-supplied text made safe to echo in one line: control characters escaped, at most 80 characters.
    /// "a" or "an" before `word` (by its first letter: enough for the field names used here).
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    public static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            if scalar.value < 32 || scalar.value == 127 || scalar == "|" {
                out += scalar == "|" ? "\\|" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 80 ? out + "…" : out
    }
}
