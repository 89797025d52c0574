internal import ChronicleCore
internal import Crypto

/// What tells a retried command from a different one under the same id: SHA-256 of the parsed
/// command and its envelope (valid time, expected revision), whatever form the line had.
enum CommandFingerprint {
    /// - Note: built from the command's structural description, which is stable for a given
    ///   build; a log written by a build whose command types changed may see an old id's
    ///   repeat as a conflict, never a conflict as a repeat.
    static func of(_ command: Command, _ envelope: Envelope) -> [UInt8] {
        var text = String(reflecting: command)
        text += "|valid=\(envelope.validAt?.microseconds.description ?? "-")|rev=\(envelope.expectedRevision?.description ?? "-")"
        return Array(SHA256.hash(data: Array(text.utf8)))
    }
}
