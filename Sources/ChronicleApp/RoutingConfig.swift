public import ChronicleCore
internal import Foundation
internal import Yams

/// The routing thresholds file (`config/routing.yaml`), read once at start.
///
/// ```yaml
/// version: 1
/// default_confidence: {low: 0.9, medium: 0.75, high: 0.6}
/// one_shot_min: {low: 0.7, medium: 0.8, high: 0.9}
/// split_below: 0.5
/// ```
/// Any key left out keeps its built-in value.
public enum RoutingConfig {
    public static let defaultPath = "config/routing.yaml"

    struct File: Decodable {
        var version: Int?
        var default_confidence: [String: Double]?
        var one_shot_min: [String: Double]?
        var split_below: Double?
    }

    /// A routing file that `--routing` names but that is missing (a bad argument), or one whose
    /// contents are bad (``ExitStatus/failed``).
    public struct LoadError: ExitingError {
        public var path: String
        public var reason: String
        var missing = false
        public var exitStatus: Int32 { missing ? ExitStatus.badArguments : ExitStatus.failed }
        public var description: String { "routing config \(path): \(reason). Fix the file or pass --routing with another one." }
    }

    /// The policy in `path`; `path` nil: `config/routing.yaml` if it exists, else the built-in defaults.
    public static func load(path: String?) throws -> RoutingPolicy {
        let chosen = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: chosen) else {
            if path != nil { throw LoadError(path: chosen, reason: "no such file", missing: true) }
            return .builtIn
        }
        do {
            return try parse(String(contentsOfFile: chosen, encoding: .utf8))
        } catch let error as LoadError {
            throw LoadError(path: chosen, reason: error.reason)
        } catch {
            throw LoadError(path: chosen, reason: "\(error)")
        }
    }

    public static func parse(_ yaml: String) throws -> RoutingPolicy {
        let file = try YAMLDecoder().decode(File.self, from: yaml)
        if let v = file.version, v != 1 { throw LoadError(path: "", reason: "version \(v) is not supported (use 1)") }
        var policy = RoutingPolicy.builtIn
        func table(_ raw: [String: Double]?, _ name: String) throws -> [Complexity: Double]? {
            guard let raw else { return nil }
            var out: [Complexity: Double] = [:]
            for (k, v) in raw {
                guard let c = Complexity(rawValue: k) else {
                    throw LoadError(path: "", reason: "\(name): '\(k)' is not low, medium or high")
                }
                guard (0...1).contains(v) else { throw LoadError(path: "", reason: "\(name).\(k) must be from 0 to 1") }
                out[c] = v
            }
            return out
        }
        if let t = try table(file.default_confidence, "default_confidence") { policy.defaultConfidence.merge(t) { $1 } }
        if let t = try table(file.one_shot_min, "one_shot_min") { policy.oneShotMin.merge(t) { $1 } }
        if let s = file.split_below {
            guard (0...1).contains(s) else { throw LoadError(path: "", reason: "split_below must be from 0 to 1") }
            policy.splitBelow = s
        }
        return policy
    }
}
