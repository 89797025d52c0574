internal import CFileExchange
public import ChronicleCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A tree of an older version of its view, replaced by a complete rebuild in one step.
///
/// The new version is built beside the live tree (`DIR.rebuild-PID`, with its own manifest,
/// checkpoint and lock); what chronicle did not write in DIR (a `.git` directory, notes,
/// `.rejected-…` copies, anything at the top or inside the tree's directories) is moved into
/// it, name for name; then the two directories are exchanged by one `renameat2(RENAME_EXCHANGE)`,
/// and the old version, now at the side name, is removed. A reader that opened DIR (or `cd`'d
/// into it) before the exchange keeps reading the old version whole; one that opens it after
/// reads the new one whole: no reader sees a tree half of one version and half of the other.
/// A rebuild stopped or killed before the exchange leaves DIR as it was (its side directory is
/// removed by the next run).
enum VersionSwap {
    /// The directories of the tree whose files chronicle writes; the rest of DIR is not its.
    static let own: Set<String> = ["tasks", "memory", "workflows", "contexts", ".chronicle"]

    /// Where the rebuild beside `path` is built.
    static func side(of path: String) -> String {
        (path.hasSuffix("/") ? String(path.dropLast()) : path) + ".rebuild-\(getpid())"
    }

    /// Removes the side directories of rebuilds of the tree at `path` that were stopped or
    /// killed before their exchange (`DIR.rebuild-PID`; the caller holds the tree's lock).
    static func removeStaleSides(of path: String) throws {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let slash = trimmed.lastIndex(of: "/")
        let parent = slash.map { String(trimmed[..<$0]) } ?? "."
        let prefix = String(slash.map { trimmed[trimmed.index(after: $0)...] } ?? trimmed[...]) + ".rebuild-"
        for name in try entries(of: parent.isEmpty ? "/" : parent) where name.hasPrefix(prefix) {
            let pid = name.dropFirst(prefix.count)
            guard !pid.isEmpty, pid.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            try remove((parent.isEmpty ? "" : parent) + "/" + name)
        }
    }

    /// Moves what chronicle did not write in the tree at `old` into the same place in the tree at
    /// `new`: top-level entries other than ``own``, and the files (and links) inside the tree's
    /// directories that are not in `written` and not a temporary file. One that would land on a
    /// file of the new tree is kept beside it as `.rejected-…` by `keep`.
    /// - Complexity: O(entries of the old tree).
    static func moveForeign(
        from old: String, into new: String, written: Set<String>, keep: (String, [UInt8]) throws -> Void
    ) throws {
        for name in try entries(of: old) where !own.contains(name) {
            try move(old + "/" + name, to: new + "/" + name)
        }
        for top in own where top != ".chronicle" {
            try moveForeign(old, new, relative: top, written: written, keep: keep)
        }
    }

    private static func moveForeign(
        _ old: String, _ new: String, relative: String, written: Set<String>, keep: (String, [UInt8]) throws -> Void
    ) throws {
        for name in try entries(of: old + "/" + relative) {
            let path = relative + "/" + name
            var status = stat()
            guard lstat(old + "/" + path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFDIR {
                try moveForeign(old, new, relative: path, written: written, keep: keep)
                continue
            }
            guard !written.contains(path), !TreeSink.isTemporary(path) else { continue }
            var existing = stat()
            if lstat(new + "/" + path, &existing) == 0 {
                if let bytes = try? DirectoryTree(opening: old).read(path) { try keep(path, bytes) }
                continue
            }
            try DirectoryTree.createDirectories(new + "/" + relative)
            try move(old + "/" + path, to: new + "/" + path)
        }
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
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }
}
