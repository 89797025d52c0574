public import ChronicleCore
internal import ChronicleViews

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// `chronicle replay yaml DIR`: a complete YAML tree, built from the entities as of one point
/// into a fresh directory. The tree is built beside DIR (`DIR.partial-PID`) and renamed to DIR
/// once complete: DIR appears whole or not at all, and a replay that fails leaves nothing
/// behind but the partial directory it names.
public enum TreeReplay {
    /// What a replay wrote.
    public struct Summary: Sendable, Equatable {
        public var files: Int
        public var bytes: Int
    }

    /// Builds the tree of `entities` at `path`, which must not exist or be an empty directory.
    public static func build(_ entities: [Entity], at path: String) throws -> Summary {
        let files = try YAMLTree.files(entities)
        var status = stat()
        let exists = lstat(path, &status) == 0
        if exists {
            guard (status.st_mode & S_IFMT) == S_IFDIR, isEmptyDirectory(path) else {
                throw ProjectionError.directoryNotEmpty(path: path)
            }
        }
        let parent = (path.hasSuffix("/") ? String(path.dropLast()) : path).split(separator: "/", omittingEmptySubsequences: false)
            .dropLast()
            .joined(separator: "/")
        if !parent.isEmpty { try DirectoryTree.createDirectories(parent) }
        let partial = path.hasSuffix("/") ? String(path.dropLast()) + ".partial-\(getpid())" : path + ".partial-\(getpid())"
        guard mkdir(partial, 0o755) == 0 else { throw ProjectionError.io(operation: "create", path: partial, errno: errno) }
        let tree = try DirectoryTree(opening: partial)
        var bytes = 0
        // In path order: the same state writes the same files in the same order.
        try tree.reusingDirectories {
            for (relative, content) in files.sorted(by: { $0.key < $1.key }) {
                try tree.write(relative, content)
                bytes += content.count
            }
        }
        if exists { rmdir(path) }
        guard rename(partial, path) == 0 else { throw ProjectionError.io(operation: "rename \(partial) to", path: path, errno: errno) }
        return Summary(files: files.count, bytes: bytes)
    }

    static func isEmptyDirectory(_ path: String) -> Bool {
        guard let dir = opendir(path) else { return false }
        defer { closedir(dir) }
        return DirectoryTree.entries(of: dir).isEmpty
    }
}
