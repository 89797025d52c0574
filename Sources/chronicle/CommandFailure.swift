import ChronicleCore

/// Why a command of the tool stopped, with the exit status it means (``Main`` prints the
/// description on stderr, after `chronicle: `, and exits with the status).
enum CommandFailure: ExitingError {
    /// `--db` names no file (only appends create a log).
    case noLog(path: String)
    /// Reading the log failed.
    case unreadable(any Error)
    /// Appending failed: the group being committed was rolled back.
    case unwritable(any Error)
    /// What was asked for is not in the log.
    case notFound(String)
    /// The command stopped before the end of its input.
    case stopped(String)
    /// `verify` found the log damaged (its report, on stdout, says how).
    case damaged

    var exitStatus: Int32 {
        switch self {
        case .noLog, .unreadable, .unwritable: ExitStatus.logUnusable
        case .notFound, .stopped, .damaged: ExitStatus.failed
        }
    }

    var description: String {
        switch self {
        case .noLog(let path): "no log at \(path); give its path with --db or CHRONICLE_DB"
        case .unreadable(let error): "the log cannot be read: \(error)"
        case .unwritable(let error):
            "the log cannot be written: \(error)\nThe group of lines being committed was rolled back; every line acked before this message is committed. Append the unacked lines again once the cause is fixed."
        case .notFound(let what): what
        case .stopped(let why): why
        case .damaged: ""
        }
    }
}
