public import ChronicleCore
internal import ChronicleViews

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// `chronicle project yaml DIR`: brings a YAML tree up to the log. The new view is compared
/// with the manifest of what was written last; only files whose bytes differ are written, and
/// only files the manifest lists are removed (a `.git` directory or any other file that
/// Chronicle did not write is never touched). The manifest, then the checkpoint, are written
/// last: a projector killed midway leaves files that the next catch-up, comparing again,
/// brings to exactly what a fresh rebuild gives.
public enum TreeProjection {
    public static let checkpointPath = ".chronicle/checkpoint.json"
    public static let manifestPath = ".chronicle/manifest.sha256"

    /// What a catch-up did.
    public struct Outcome: Sendable, Equatable {
        public var written: [String] = []
        public var removed: [String] = []
        public var restored: [String] = []
        /// Files changed by someone since they were written, kept aside before being replaced.
        public var keptAside: [String] = []
        public var unchanged = 0
    }

    /// Makes the tree at `path` (created when missing) the view of `entities`, as of
    /// `checkpoint`. `now` names the copies of files that were changed by hand.
    public static func catchUp(_ entities: [Entity], at path: String, checkpoint: ViewCheckpoint, now: Timestamp) throws -> Outcome {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ProjectionError.io(operation: "create", path: path, errno: errno) }
        let tree = try DirectoryTree(opening: path)
        if let stored = try tree.read(checkpointPath) {
            let previous = try ViewCheckpoint(bytes: stored, path: "\(path)/\(checkpointPath)")
            try previous.check(view: checkpoint.view, version: checkpoint.version, log: checkpoint.log, path: path)
            if previous.version < checkpoint.version {
                throw ProjectionError.olderVersion(path: path, found: previous.version, known: checkpoint.version)
            }
        }
        let old = try tree.read(manifestPath).map { try Manifest(bytes: $0, path: "\(path)/\(manifestPath)") } ?? Manifest()
        let files = try YAMLTree.files(entities)
        var new = Manifest()
        var outcome = Outcome()
        for (relative, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let digest = Manifest.digest(bytes)
            new.digests[relative] = digest
            let onDisk = try tree.read(relative)
            let onDiskDigest = onDisk.map(Manifest.digest)
            // Already the new bytes: unchanged, or written by a run killed before its manifest.
            if onDiskDigest == digest {
                outcome.unchanged += 1
                continue
            }
            // Bytes chronicle did not write last (a hand edit, or a file it never wrote) are
            // kept aside before they are replaced.
            if let onDisk, onDiskDigest != old.digests[relative] {
                try keepAside(onDisk, of: relative, in: tree, now: now)
                outcome.keptAside.append(relative)
            }
            try tree.write(relative, bytes)
            if onDisk == nil && old.digests[relative] != nil {
                outcome.restored.append(relative)
            } else {
                outcome.written.append(relative)
            }
        }
        for relative in old.digests.keys.sorted() where files[relative] == nil {
            if let onDisk = try tree.read(relative), Manifest.digest(onDisk) != old.digests[relative] {
                try keepAside(onDisk, of: relative, in: tree, now: now)
                outcome.keptAside.append(relative)
            }
            try tree.remove(relative)
            outcome.removed.append(relative)
        }
        try tree.write(manifestPath, new.bytes)
        try tree.write(checkpointPath, checkpoint.bytes)
        return outcome
    }

    /// Keeps a file changed by hand beside it as `x.yaml.rejected-<UTC time>` (never over an
    /// earlier copy), with the reason at its top: this version does not read edits yet.
    static func keepAside(_ bytes: [UInt8], of relative: String, in tree: DirectoryTree, now: Timestamp) throws {
        let stamp = String(now.rfc3339.filter { $0 != ":" })
        var name = "\(relative).rejected-\(stamp)"
        var n = 1
        while try tree.read(name) != nil {
            n += 1
            name = "\(relative).rejected-\(stamp)-\(n)"
        }
        let reason =
            "# Kept by chronicle: this file was changed after chronicle wrote it, and this version does not turn edits into commands yet.\n# The file was rewritten from the log; your text follows.\n"
        try tree.write(name, Array(reason.utf8) + bytes)
    }
}
