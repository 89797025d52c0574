public import ChronicleCore

/// Why a projection could not be built or written, with what to do.
public enum ProjectionError: ExitingError {
    /// A replay builds a fresh tree and will not write over one.
    case directoryNotEmpty(path: String)
    /// A relative path that could leave the tree (`..`, absolute, empty segment, NUL, too long).
    case unsafePath(String)
    /// The checkpoint file cannot be read as one.
    case damagedCheckpoint(path: String)
    /// A Redis keyspace's checkpoint hash cannot be read as one.
    case damagedKeyspaceCheckpoint(key: String)
    /// The directory holds a view of another kind.
    case otherView(path: String, found: String, expected: String)
    /// The directory holds the view of another log.
    case otherLog(path: String, found: String, expected: String)
    /// The directory was written by a newer version of the view.
    case newerVersion(path: String, found: Int, known: Int)
    /// Another projector holds the directory.
    case locked(path: String)
    /// Another projector holds the Redis keyspace (its lock `{prefix}chronicle:lock`).
    case lockedKeyspace(path: String, holder: String, expiresInMilliseconds: Int64)
    /// A file system call failed.
    case io(operation: String, path: String, errno: Int32)

    public var exitStatus: Int32 { ExitStatus.failed }

    public var description: String {
        switch self {
        case .directoryNotEmpty(let path):
            "\(path) exists and is not empty; a replay builds a fresh tree: give a new directory, or remove this one first"
        case .unsafePath(let path):
            "refused to write '\(path)': a view's paths stay inside its directory (no '..', no absolute path, no empty or over-long name)"
        case .damagedCheckpoint(let path):
            "\(path) is not a checkpoint this version can read; move the directory away and build a fresh one (the log is the source of truth)"
        case .damagedKeyspaceCheckpoint(let key):
            "\(key) cannot be read as a checkpoint; delete that key and the keyspace is loaded whole again (the log is the source of truth)"
        case .otherView(let path, let found, let expected):
            "\(path) holds a \(found) view, not a \(expected) one; give another directory"
        case .otherLog(let path, let found, let expected):
            "\(path) holds the view of log \(found), not of this log (\(expected)); give the right --db, or another directory"
        case .newerVersion(let path, let found, let known):
            "\(path) was written by version \(found) of the view; this chronicle knows version \(known) at most: use a newer chronicle"
        case .locked(let path):
            "\(path) is being written by another projector (it holds \(path)/.chronicle/lock); stop that one first, or give another directory"
        case .lockedKeyspace(let path, let holder, let left):
            "\(path) is being written by another projector (\(holder) holds its lock chronicle:lock); stop that one first, or give another --prefix"
                + (left > 0 ? " (a lock whose projector is gone expires within \((left + 999) / 1_000) s)" : "")
        case .io(let operation, let path, let code):
            "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif
