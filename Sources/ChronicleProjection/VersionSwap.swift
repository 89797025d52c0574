internal import CFileExchange
internal import ChronicleCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A tree of an older version of its view, replaced by a complete rebuild in one step.
///
/// The new version is built beside the live tree (`DIR.rebuild-PID`, with its own manifest,
/// checkpoint and lock); the two directories are exchanged by one
/// `renameat2(RENAME_EXCHANGE)`; then what chronicle did not write in the old tree (a `.git`
/// directory, notes, `.rejected-…` copies, anything at the top or inside the tree's
/// directories, and a file edited since it was last read) is moved into the new one, name for
/// name, and the old version, now at the side name, is removed. A reader that opened DIR (or
/// `cd`'d into it) before the exchange keeps reading the old version whole; one that opens it
/// after reads the new one whole: no reader sees a tree half of one version and half of the
/// other. A rebuild stopped, failed or killed before the exchange leaves DIR as it was; one
/// killed after it leaves what is not chronicle's in the side directory, and the next run moves
/// it back (``recoverSides(of:)``) before removing the rest.
enum VersionSwap {
    /// The directories of the tree whose files chronicle writes; the rest of DIR is not its.
    static let own: Set<String> = ["tasks", "memory", "workflows", "contexts", ".chronicle"]

    /// `path` without a trailing slash.
    static func trimmed(_ path: String) -> String { path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path }

    /// Where the rebuild beside `path` is built.
    static func side(of path: String) -> String { trimmed(path) + ".rebuild-\(getpid())" }

    /// The side directories of rebuilds of the tree at `path` that did not finish (a chronicle
    /// tree each, named `DIR.rebuild-PID`; the caller holds the tree's lock, so none is in
    /// flight): what in them is not chronicle's goes back into the tree, then they are removed.
    /// A directory of that name that holds no checkpoint is not chronicle's, and is left alone.
    /// Returns the sides it left alone.
    static func recoverSides(of path: String) throws -> [String] {
        let tree = trimmed(path)
        let slash = tree.lastIndex(of: "/")
        let parent = slash.map { String(tree[..<$0]) } ?? "."
        let prefix = String(slash.map { tree[tree.index(after: $0)...] } ?? tree[...]) + ".rebuild-"
        var left: [String] = []
        for name in try entries(of: parent.isEmpty ? "/" : parent) where name.hasPrefix(prefix) {
            let pid = name.dropFirst(prefix.count)
            guard !pid.isEmpty, pid.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            let side = (parent.isEmpty ? "" : parent) + "/" + name
            let sideTree = try DirectoryTree(opening: side)
            guard try sideTree.read(TreeSink.checkpointPath) != nil else {
                left.append(side)
                continue
            }
            let written = Set(
                (try sideTree.read(TreeSink.manifestPath)).map { Manifest.lines($0).map(\.path) } ?? [])
            try moveForeign(from: side, into: tree, isChronicles: { written.contains($0) || TreeSink.isTemporary($0) }) { _, _ in }
            try remove(side)
        }
        return left
    }

    /// Moves what is not chronicle's in the tree at `old` into the same place in the tree at
    /// `new`: top-level entries other than ``own``, and the files (and links) inside the tree's
    /// directories for which `isChronicles` is false. One that would land where the new tree
    /// has a file is handed to `keep` (which keeps its bytes beside that file) instead.
    /// Directories are entered only when they are directories, never through a link.
    /// - Complexity: O(entries of the old tree).
    static func moveForeign(
        from old: String, into new: String, isChronicles: (String) throws -> Bool, keep: (String, [UInt8]) throws -> Void
    ) throws {
        for name in try entries(of: old) where !own.contains(name) {
            // Never over what is there: a name taken in the new tree gets a suffix.
            var target = new + "/" + name
            var existing = stat()
            var n = 1
            while lstat(target, &existing) == 0 {
                target = new + "/" + name + ".kept-\(n)"
                n += 1
            }
            try move(old + "/" + name, to: target)
        }
        for top in own where top != ".chronicle" && isDirectory(old + "/" + top) {
            try moveForeign(old, new, relative: top, isChronicles: isChronicles, keep: keep)
        }
    }

    private static func moveForeign(
        _ old: String, _ new: String, relative: String, isChronicles: (String) throws -> Bool, keep: (String, [UInt8]) throws -> Void
    ) throws {
        for name in try entries(of: old + "/" + relative) {
            let path = relative + "/" + name
            if isDirectory(old + "/" + path) {
                try moveForeign(old, new, relative: path, isChronicles: isChronicles, keep: keep)
                continue
            }
            guard try !isChronicles(path) else { continue }
            var existing = stat()
            if lstat(new + "/" + path, &existing) == 0 {
                if let bytes = try? DirectoryTree(opening: old).read(path) { try keep(path, bytes) }
                continue
            }
            try DirectoryTree.createDirectories(new + "/" + relative)
            try move(old + "/" + path, to: new + "/" + path)
        }
    }

    /// Whether `path` is a directory itself (not a link to one).
    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// Exchanges the directories at `a` and `b` in one step.
    static func exchange(_ a: String, _ b: String) throws(ProjectionError) {
        guard chronicle_exchange(a, b) == 0 else { throw .io(operation: "exchange \(a) with", path: b, errno: errno) }
    }

    /// Removes the tree at `path`, entries first; links are removed, never followed.
    static func remove(_ path: String) throws(ProjectionError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            for name in try entries(of: path) { try remove(path + "/" + name) }
            guard rmdir(path) == 0 else { throw .io(operation: "remove", path: path, errno: errno) }
        } else {
            guard unlink(path) == 0 else { throw .io(operation: "remove", path: path, errno: errno) }
        }
    }

    private static func move(_ from: String, to: String) throws(ProjectionError) {
        guard rename(from, to) == 0 else { throw .io(operation: "move \(from) to", path: to, errno: errno) }
    }

    /// The names in the directory at `path` (none when it is missing).
    private static func entries(of path: String) throws(ProjectionError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw .io(operation: "list", path: path, errno: errno)
        }
        defer { closedir(dir) }
        return DirectoryTree.entries(of: dir).map(\.name).sorted()
    }
}
