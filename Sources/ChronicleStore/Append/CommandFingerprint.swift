internal import ChronicleCore

/// What tells a retried command from a different one under the same id: SHA-256 of the parsed
/// command and its envelope (valid time, expected revision), whatever form the line had.
enum CommandFingerprint {
    /// - Note: built from the command's structural description, which is stable for a given
    ///   build; a log written by a build whose command types changed may see an old id's
    ///   repeat as a conflict, never a conflict as a repeat.
    static func of(_ command: Command, _ envelope: Envelope) -> [UInt8] {
        var text = String(reflecting: canonical(command))
        text += "|valid=\(envelope.validAt?.microseconds.description ?? "-")|rev=\(envelope.expectedRevision?.description ?? "-")"
        return SHA256.hash(Array(text.utf8))
    }

    /// The command with its JSON values' members in key order (a retry may order them differently).
    static func canonical(_ command: Command) -> Command {
        switch command {
        case .taskComplete(let id, let result, let next):
            .taskComplete(id: id, result: result.canonical, nextSteps: next.canonical)
        case .memoryStore(let key, let value, let type, let category, let significance):
            .memoryStore(key: key, value: value.canonical, type: type, category: category, significance: significance)
        case .workflowStart(let workflow, let id, let params, let steps):
            .workflowStart(workflow: workflow, id: id, params: params.canonical, steps: steps)
        case .workflowStep(let id, let step, let status, let output, let error):
            .workflowStep(id: id, step: step, status: status, output: output?.canonical, error: error)
        case .workflowComplete(let id, let result):
            .workflowComplete(id: id, result: result?.canonical)
        default:
            command
        }
    }
}
