public import ChronicleCore

/// Why a projection could not be built or written, with what to do.
public enum ProjectionError: ExitingError {
    /// A replay builds a fresh tree and will not write over one.
    case directoryNotEmpty(path: String)
    /// A relative path that could leave the tree (`..`, absolute, empty segment, NUL, too long).
    case unsafePath(String)
    /// A file system call failed.
    case io(operation: String, path: String, errno: Int32)

    public var exitStatus: Int32 { ExitStatus.failed }

    public var description: String {
        switch self {
        case .directoryNotEmpty(let path):
            "\(path) exists and is not empty; a replay builds a fresh tree: give a new directory, or remove this one first"
        case .unsafePath(let path):
            "refused to write '\(path)': a view's paths stay inside its directory (no '..', no absolute path, no empty or over-long name)"
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
