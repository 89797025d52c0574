public import ChronicleCore

/// Where a view stands: the log it was built from, the view's version, the last position it
/// applied and the valid time it was built as of. Stored with the view (for the YAML tree,
/// `.chronicle/checkpoint.json`), written after everything it vouches for.
public struct ViewCheckpoint: Sendable, Equatable {
    public var view: String
    public var version: Int
    /// The identity of the log (``ChronicleStore/EventLog/identity()``).
    public var log: String
    public var seq: Int64
    public var validAt: Timestamp

    public init(view: String, version: Int, log: String, seq: Int64, validAt: Timestamp) {
        (self.view, self.version, self.log, self.seq, self.validAt) = (view, version, log, seq, validAt)
    }

    public var bytes: [UInt8] {
        let json = JSONValue.object([
            JSONMember("view", .string(view)), JSONMember("version", .number(Double(version))),
            JSONMember("log", .string(log)), JSONMember("seq", .number(Double(seq))),
            JSONMember("valid_at", .string(validAt.rfc3339)),
        ])
        return Array((json.jsonString + "\n").utf8)
    }

    /// Reads a checkpoint; `path` names it in the error.
    public init(bytes: [UInt8], path: String) throws(ProjectionError) {
        guard let json = try? JSONParser.parse(bytes: bytes), case .string(let view)? = json["view"],
            case .number(let version)? = json["version"], case .string(let log)? = json["log"],
            case .number(let seq)? = json["seq"], case .string(let valid)? = json["valid_at"], let validAt = Timestamp(rfc3339: valid),
            let wholeVersion = Int(exactly: version), let wholeSeq = Int64(exactly: seq)
        else { throw .damagedCheckpoint(path: path) }
        self.init(view: view, version: wholeVersion, log: log, seq: wholeSeq, validAt: validAt)
    }

    /// Refuses to continue a view of another log, another kind, or a newer version.
    public func check(view: String, version: Int, log: String, path: String) throws(ProjectionError) {
        guard self.view == view else { throw .otherView(path: path, found: self.view, expected: view) }
        guard self.log == log else { throw .otherLog(path: path, found: self.log, expected: log) }
        guard self.version <= version else { throw .newerVersion(path: path, found: self.version, known: version) }
    }
}
