public import ChronicleCore
internal import Foundation
internal import Yams

/// The views file (`config/views.yaml`) that `chronicle status` reads when no view is named on
/// its command line: the views a deployment keeps, by kind.
///
/// ```yaml
/// version: 1
/// yaml: [views/tree]   # YAML trees, relative to this file's directory
/// ```
public enum ViewsConfig {
    public static let defaultPath = "config/views.yaml"

    struct File: Decodable {
        var version: Int?
        var yaml: [String]?
    }

    /// A views file that `--config` names but that is missing (a bad argument), or one whose
    /// contents are bad (``ExitStatus/failed``).
    public struct LoadError: ExitingError {
        public var path: String
        public var reason: String
        var missing = false
        public var exitStatus: Int32 { missing ? ExitStatus.badArguments : ExitStatus.failed }
        public var description: String { "views config \(path): \(reason). Fix the file or pass --config with another one." }
    }

    /// The YAML tree directories `path` lists (relative ones taken from its directory); `path`
    /// nil: `config/views.yaml` if it exists, else none.
    public static func yamlTrees(path: String?) throws -> [String] {
        let chosen = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: chosen) else {
            if path != nil { throw LoadError(path: chosen, reason: "no such file", missing: true) }
            return []
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: String(contentsOfFile: chosen, encoding: .utf8))
        } catch {
            throw LoadError(path: chosen, reason: "\(error)")
        }
        if let v = file.version, v != 1 { throw LoadError(path: chosen, reason: "version \(v) is not supported (use 1)") }
        let base = (chosen as NSString).deletingLastPathComponent
        return (file.yaml ?? []).map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 }
    }
}
