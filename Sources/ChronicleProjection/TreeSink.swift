public import ChronicleCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The YAML tree's sink: a directory, what chronicle wrote there last, and the one way its
/// files change. A file is written only when its bytes differ from what is on disk; a file
/// whose bytes on disk are not bytes chronicle wrote (changed by hand, or put there by someone
/// else) is kept aside before it is replaced; only files chronicle wrote are ever removed (a
/// `.git` directory, or any other file, is never touched).
///
/// What chronicle wrote is recorded in `.chronicle/manifest.sha256` (`sha256sum`'s format, so
/// `sha256sum -c` run in the tree checks it), rewritten by ``flush(_:)``, and between flushes
/// in `.chronicle/journal.sha256`: before each file is renamed into place, its digest is
/// appended there. A projector killed at any moment leaves files that the next one recognises
/// as its own (their digest is in the manifest or the journal), not as edits. The checkpoint
/// is written after the manifest. Nothing is fsynced: the tree is a view, rebuilt from the log
/// when lost.
///
/// One sink per directory at a time: `.chronicle/lock` is held (`flock`) while it is open, and
/// a second projector on the same directory is refused.
public final class TreeSink {
    public static let checkpointPath = ".chronicle/checkpoint.json"
    public static let manifestPath = ".chronicle/manifest.sha256"
    public static let journalPath = ".chronicle/journal.sha256"
    public static let lockPath = ".chronicle/lock"

    /// What the sink did since it was opened.
    public struct Outcome: Sendable, Equatable {
        public var written: [String] = []
        public var removed: [String] = []
        public var restored: [String] = []
        /// Files changed by someone since they were written, kept aside before being replaced.
        public var keptAside: [String] = []
        public var unchanged = 0
    }

    public private(set) var path: String
    public let tree: DirectoryTree
    /// The checkpoint found when the sink was opened (nil for a new tree).
    public let found: ViewCheckpoint?
    public private(set) var outcome = Outcome()
    /// Names the copies of files kept aside.
    private let now: () -> Timestamp
    private let lock: Int32
    /// Path → the digest of the bytes chronicle wrote there last.
    private var written: [String: String]
    /// Digests of bytes chronicle may have written at a path before (journal lines of a run
    /// that did not flush): such bytes on disk are its own, not an edit.
    private var earlier: [String: Set<String>] = [:]
    private var journalLines = 0
    /// Paths named in the journal of a run that did not flush: their renames or removals may
    /// not have happened. A missing file there was not deleted by anyone; a file whose removal
    /// was journalled is still removed when its bytes are chronicle's.
    private var unsure: Set<String> = []
    /// The journal's mark of a removal, in place of a digest.
    static let removal = String(repeating: "-", count: 64)

    /// Opens (creating when missing) the tree at `path` for a view `view` of `version`, of the
    /// log `log`. Refused: a tree of another view or log, of a newer version, or one another
    /// projector holds. A tree of an older version opens (``found`` says so): the caller
    /// rebuilds it.
    public init(opening path: String, view: String, version: Int, log: String, now: @escaping () -> Timestamp) throws {
        try DirectoryTree.createDirectories(path)
        let tree = try DirectoryTree(opening: path)
        guard let lock = try tree.lock(Self.lockPath) else { throw ProjectionError.locked(path: path) }
        self.lock = lock
        do {
            let found = try tree.read(Self.checkpointPath).map { try ViewCheckpoint(bytes: $0, path: "\(path)/\(Self.checkpointPath)") }
            try found?.check(view: view, version: version, log: log, path: path)
            let manifest =
                try tree.read(Self.manifestPath).map { try Manifest(bytes: $0, path: "\(path)/\(Self.manifestPath)") } ?? Manifest()
            written = manifest.digests
            // A torn last line (a crash while appending) is left out: its file was not renamed yet.
            for line in Manifest.lines(try tree.read(Self.journalPath) ?? []) {
                if let previous = written[line.path], previous != line.digest { earlier[line.path, default: []].insert(previous) }
                written[line.path] = line.digest == Self.removal ? nil : line.digest
                unsure.insert(line.path)
                journalLines += 1
            }
            (self.path, self.tree, self.found, self.now) = (path, tree, found, now)
        } catch {
            close(lock)
            throw error
        }
    }

    deinit { close(lock) }

    /// Removes the temporary files (`.x.yaml.tmp-<pid>`) that a projector killed between a
    /// temporary file's creation and its rename left under `directories` (at any depth); it
    /// holds the lock, so no other writer's are in flight. Files of other names are left alone.
    /// - Complexity: O(files under `directories`).
    public func removeTemporaries(under directories: [String]) throws {
        for directory in directories {
            for file in try tree.files(under: directory) where Self.isTemporary(file) { try tree.remove(file) }
        }
    }

    /// Whether `relative` names one of ``DirectoryTree/write(_:_:durable:)``'s temporary files of
    /// a YAML file or of a copy kept beside one: `.NAME.yaml.tmp-DIGITS`,
    /// `.NAME.yaml.rejected-TIME.tmp-DIGITS`.
    static func isTemporary(_ relative: String) -> Bool {
        let name = relative.split(separator: "/").last ?? ""
        guard name.hasPrefix("."), let range = name.ranges(of: ".tmp-").last else { return false }
        let stem = name[name.index(after: name.startIndex)..<range.lowerBound]
        let pid = name[range.upperBound...]
        return (stem.hasSuffix(".yaml") || stem.contains(".yaml.rejected-")) && stem.count > 5 && !pid.isEmpty
            && pid.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Starts counting what the sink does afresh (a follower reports its own work).
    public func resetOutcome() { outcome = Outcome() }

    /// Every path chronicle wrote and has not removed (for sure).
    public var paths: Set<String> { Set(written.keys).union(unsure) }

    /// Makes the file at `relative` hold `bytes`; nil removes it (when chronicle wrote it).
    public func put(_ relative: String, _ bytes: [UInt8]?) throws {
        let onDisk = try tree.read(relative)
        let onDiskDigest = onDisk.map(Manifest.digest)
        guard let bytes else {
            let last = written[relative]
            guard last != nil || unsure.contains(relative) else { return }
            if let onDisk, let onDiskDigest, !isOwn(onDiskDigest, at: relative, last: last) {
                try keepAside(onDisk, of: relative)
                outcome.keptAside.append(relative)
            }
            if onDisk != nil {
                try tree.append(Self.journalPath, Array("\(Self.removal)  \(relative)\n".utf8))
                journalLines += 1
                try tree.remove(relative)
                outcome.removed.append(relative)
            }
            written[relative] = nil
            earlier[relative] = nil
            return
        }
        let digest = Manifest.digest(bytes)
        // Already the new bytes: unchanged, or written by a run killed before its manifest.
        if onDiskDigest == digest {
            if written[relative] != digest { try record(digest, at: relative) }
            outcome.unchanged += 1
            return
        }
        let last = written[relative]
        if let onDisk, let onDiskDigest, !isOwn(onDiskDigest, at: relative, last: last) {
            try keepAside(onDisk, of: relative)
            outcome.keptAside.append(relative)
        }
        try record(digest, at: relative)
        try tree.write(relative, bytes)
        if onDisk == nil && last != nil && !unsure.contains(relative) {
            outcome.restored.append(relative)
        } else {
            outcome.written.append(relative)
        }
    }

    /// Writes the manifest, then `checkpoint`, then empties the journal.
    public func flush(_ checkpoint: ViewCheckpoint) throws {
        try tree.write(Self.manifestPath, Manifest(digests: written).bytes)
        try tree.write(Self.checkpointPath, checkpoint.bytes)
        try emptyJournal()
    }

    /// Writes the manifest and empties the journal, leaving the checkpoint as it is (a
    /// catch-up stopped midway: the files are partly new, the old checkpoint vouches for less).
    public func flushManifest() throws {
        try tree.write(Self.manifestPath, Manifest(digests: written).bytes)
        try emptyJournal()
    }

    private func emptyJournal() throws {
        if journalLines > 0 {
            try tree.remove(Self.journalPath)
            journalLines = 0
        }
        earlier = [:]
        unsure = []
    }

    /// Whether bytes with `digest` at `relative` are bytes chronicle wrote there.
    private func isOwn(_ digest: String, at relative: String, last: String?) -> Bool {
        digest == last || earlier[relative]?.contains(digest) == true
    }

    /// Notes in the journal that `digest` is about to be at `relative`.
    private func record(_ digest: String, at relative: String) throws {
        if let previous = written[relative] { earlier[relative, default: []].insert(previous) }
        written[relative] = digest
        try tree.append(Self.journalPath, Array("\(digest)  \(relative)\n".utf8))
        journalLines += 1
    }

    /// Whether `bytes` at `relative` are bytes chronicle wrote there (its last write, or one
    /// of a run that did not flush), not a person's.
    public func isOwn(_ bytes: [UInt8], at relative: String) -> Bool {
        isOwn(Manifest.digest(bytes), at: relative, last: written[relative])
    }

    /// Takes the bytes now at `relative` as read (an edit turned into commands, or refused and
    /// kept aside): the next ``put(_:_:)`` replaces them without keeping them aside.
    public func adopt(_ bytes: [UInt8], at relative: String) throws {
        let digest = Manifest.digest(bytes)
        guard !isOwn(digest, at: relative, last: written[relative]) else { return }
        // Journalled: a projector killed before the rewrite does not read the edit again.
        try record(digest, at: relative)
    }

    /// Refuses the edit `bytes` of `relative`: keeps them beside the file (with `reason` on
    /// top), then puts `canonical` back (nil: the next ``put(_:_:)`` will). Returns the name of
    /// the copy.
    @discardableResult
    public func refuse(_ relative: String, _ bytes: [UInt8], reason: String, canonical: [UInt8]?) throws -> String {
        let lines = "Refused by chronicle: \(reason)\nThe file was put back as the log has it; your text follows.".split(separator: "\n")
        let copy = try keepAside(bytes, of: relative, reason: lines.map { "# \($0)\n" }.joined())
        try adopt(bytes, at: relative)
        if let canonical { try put(relative, canonical) }
        return copy
    }

    /// The tree was renamed to `path` (its directory, open by descriptor, is the same).
    func moved(to path: String) { self.path = path }

    /// Keeps `bytes`, which are not chronicle's, beside `relative` as `.rejected-…`, saying why
    /// (`reason`, one line) at their top.
    @discardableResult
    public func keep(_ bytes: [UInt8], of relative: String, reason: String) throws -> String {
        try keepAside(bytes, of: relative, reason: "# Kept by chronicle: \(reason)\n")
    }

    /// Keeps bytes of `relative` beside it as `x.yaml.rejected-<UTC time>` (never over an
    /// earlier copy), with `reason` (comment lines) at their top. Returns the copy's path.
    @discardableResult
    private func keepAside(_ bytes: [UInt8], of relative: String, reason: String? = nil) throws -> String {
        let stamp = String(now().rfc3339.filter { $0 != ":" })
        var name = "\(relative).rejected-\(stamp)"
        var n = 1
        while try tree.read(name) != nil {
            n += 1
            name = "\(relative).rejected-\(stamp)-\(n)"
        }
        let header =
            reason
            ?? "# Kept by chronicle: this file was changed while chronicle rewrote it from the log (or put there by someone else).\n# The file was rewritten from the log; your text follows: apply it again to the new file.\n"
        try tree.write(name, Array(header.utf8) + bytes, durable: true)
        return name
    }
}
