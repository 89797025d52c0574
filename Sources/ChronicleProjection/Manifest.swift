internal import ChronicleStore

/// What a projector wrote last into a tree: each file's path and the SHA-256 of its bytes, in
/// `sha256sum`'s format (`sha256sum -c .chronicle/manifest.sha256` run in the tree checks it).
/// A catch-up compares the new view with it and writes only what differs; a file on disk whose
/// bytes no longer match its line was changed by someone else.
public struct Manifest: Sendable, Equatable {
    public var digests: [String: String]

    public init(digests: [String: String] = [:]) { self.digests = digests }

    public static func digest(_ bytes: [UInt8]) -> String { SHA256.hex(SHA256.hash(bytes)) }

    /// One line per file, in path order.
    public var bytes: [UInt8] {
        var out = ""
        for (path, digest) in digests.sorted(by: { $0.key < $1.key }) { out += "\(digest)  \(path)\n" }
        return Array(out.utf8)
    }

    /// The well-formed, complete lines of `bytes` (a journal's: a torn last line, one that
    /// does not end in a newline, is left out).
    public static func lines(_ bytes: [UInt8]) -> [(digest: String, path: String)] {
        let complete = bytes[..<((bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1)]
        return String(decoding: complete, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].utf8.count == 64, parts[1].isEmpty, !parts[2].isEmpty else { return nil }
            return (String(parts[0]), String(parts[2]))
        }
    }

    /// Reads a manifest; `path` names it in the error.
    public init(bytes: [UInt8], path: String) throws(ProjectionError) {
        var digests: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].utf8.count == 64, parts[1].isEmpty else { throw .damagedCheckpoint(path: path) }
            digests[String(parts[2])] = String(parts[0])
        }
        self.digests = digests
    }
}
