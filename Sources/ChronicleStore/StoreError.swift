public import ChronicleCore

/// Why the log could not be opened, read or written. Its description says what to do.
public enum StoreError: ExitingError, Sendable {
    case cannotOpen(path: String, reason: String)
    case migration(name: String, reason: String)
    case write(reason: String)
    case read(reason: String)
    case corruptEvent(seq: Int64, reason: String)

    /// Always ``ExitStatus/logUnusable``.
    public var exitStatus: Int32 { ExitStatus.logUnusable }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the log at \(path): \(reason). Check that the directory exists and is writable, or pass --db PATH."
        case .migration(let name, let reason):
            "cannot apply schema migration \(name): \(reason). The log was left as it was; restore it from a backup or report the error."
        case .write(let reason):
            "cannot write to the log: \(reason). Nothing after the last ack was committed; free disk space or fix permissions, then append again."
        case .read(let reason):
            "cannot read the log: \(reason). Check the path and the file's permissions; if it persists, run chronicle verify."
        case .corruptEvent(let seq, let reason):
            "event at seq \(seq) cannot be read: \(reason). Run chronicle verify."
        }
    }
}
