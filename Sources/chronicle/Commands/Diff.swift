import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleStore
import Foundation

/// `chronicle diff`: what changed between two points on one time axis.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What changed between two times, on the valid axis (how things stood) or the known axis (what the log believed).",
        discussion: """
            --axis valid (default): every entity as of valid time --from and as of --to, both as \
            known at --known-at (default now). --axis known: as known at --from and at --to (times \
            or #SEQ), both as of valid time --valid-at (default now). One line per change: \
            "+ kind/id" (appeared), "- kind/id" (gone), "~ kind/id field: old → new". Exit status: \
            0, 2 bad arguments, 3 the log cannot be opened or read.
            """)

    enum Axis: String, ExpressibleByArgument, CaseIterable {
        case valid
        case known
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var options: LogOptions

    @Option(help: "The earlier point: an RFC 3339 time (or #SEQ on the known axis).")
    var from: String

    @Option(help: "The later point (default now).")
    var to: String?

    @Option(help: "valid (default) or known.")
    var axis: Axis = .valid

    @Option(help: "On the valid axis: as known at this time or #SEQ (default now).")
    var knownAt: String?

    @Option(help: "On the known axis: as of this valid time (default now).")
    var validAt: String?

    @Option(help: "tasks, memory, workflows, or all (default).")
    var kind: String = "all"

    @Option(help: "text (default) or json.")
    var format: Format = .text

    func kinds() throws -> [EntityKind] {
        switch kind {
        case "all": return [.task, .memory, .workflow]
        case "tasks", "task": return [.task]
        case "memory", "memories": return [.memory]
        case "workflows", "workflow": return [.workflow]
        default: throw ValidationError("--kind '\(kind)' is not tasks, memory, workflows or all")
        }
    }

    func validate() throws {
        _ = try kinds()
        if axis == .valid, validAt != nil {
            throw ValidationError("--valid-at belongs to --axis known; on the valid axis --from and --to are valid times")
        }
        if axis == .known, knownAt != nil {
            throw ValidationError("--known-at belongs to --axis valid; on the known axis --from and --to are known-at points")
        }
    }

    func run() async throws {
        let logger = options.logger(label: "chronicle.diff")
        let clock = try options.clock()
        let query = LogQuery(log: try options.openExisting(logger: logger))
        var changes: [Change] = []
        do {
            let (a, b) = try points(now: try query.now(clock: clock), lastSeq: try query.log.lastPosition())
            for kind in try kinds() {
                let before = Dictionary(uniqueKeysWithValues: try query.entities(kind, asOf: a).map { (id($0), $0.json) })
                let after = Dictionary(uniqueKeysWithValues: try query.entities(kind, asOf: b).map { (id($0), $0.json) })
                for key in Set(before.keys).union(after.keys).sorted() {
                    let stream = "\(kind.rawValue)/\(key)"
                    switch (before[key], after[key]) {
                    case (nil, let new?): changes.append(Change(stream: stream, what: .appeared(new)))
                    case (let old?, nil): changes.append(Change(stream: stream, what: .gone(old)))
                    case (let old?, let new?):
                        for (field, o, n) in Self.fieldChanges(old, new) {
                            changes.append(Change(stream: stream, what: .changed(field: field, old: o, new: n)))
                        }
                    case (nil, nil): break
                    }
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("chronicle: the log cannot be read: \(error)\n".utf8))
            throw ExitCode(3)
        }
        let text: String
        switch format {
        case .text: text = changes.map(\.line).joined()
        case .json: text = JSONValue.array(changes.map(\.json)).jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func points(now: Timestamp, lastSeq: Int64) throws -> (AsOf, AsOf) {
        func time(_ text: String, _ name: String) throws -> Timestamp {
            let hint =
                name == "--valid-at"
                ? "a log position goes with --axis valid's --known-at"
                : "on the valid axis (the default) --from and --to are valid times; log positions go with --axis known"
            return try PointArguments.validTime(text, option: name, axisHint: hint)
        }
        func known(_ text: String, _ name: String) throws -> KnownAt {
            try PointArguments.knownAt(text, option: name, lastSeq: lastSeq)
        }
        switch axis {
        case .valid:
            let k = try knownAt.map { try known($0, "--known-at") } ?? .time(now)
            return (
                AsOf(valid: try time(from, "--from"), known: k), AsOf(valid: try to.map { try time($0, "--to") } ?? now, known: k)
            )
        case .known:
            let v = try validAt.map { try time($0, "--valid-at") } ?? now
            return (
                AsOf(valid: v, known: try known(from, "--from")), AsOf(valid: v, known: try to.map { try known($0, "--to") } ?? .time(now))
            )
        }
    }

    func id(_ e: Entity) -> String {
        switch e {
        case .task(let t): t.id
        case .memory(let m): m.key
        case .workflow(let w): w.id
        case .context(let id, _, _): id
        }
    }

    /// Top-level members that differ (the bookkeeping fields revision and updated_at aside).
    static func fieldChanges(_ old: JSONValue, _ new: JSONValue) -> [(String, JSONValue?, JSONValue?)] {
        guard case .object(let a) = old, case .object(let b) = new else { return [] }
        var keys: [String] = a.map(\.key)
        for m in b where !keys.contains(m.key) { keys.append(m.key) }
        return keys.filter { $0 != "revision" && $0 != "updated_at" }.compactMap { key in
            let o = old[key], n = new[key]
            return o == n ? nil : (key, o, n)
        }
    }

    struct Change {
        enum What {
            case appeared(JSONValue)
            case gone(JSONValue)
            case changed(field: String, old: JSONValue?, new: JSONValue?)
        }

        var stream: String
        var what: What

        var line: String {
            switch what {
            case .appeared: "+ \(stream)\n"
            case .gone: "- \(stream)\n"
            case .changed(let field, let old, let new):
                "~ \(stream) \(field): \(old?.jsonString ?? "(none)") → \(new?.jsonString ?? "(none)")\n"
            }
        }

        var json: JSONValue {
            switch what {
            case .appeared(let v):
                .object([JSONMember("stream", .string(stream)), JSONMember("change", "appeared"), JSONMember("state", v)])
            case .gone(let v):
                .object([JSONMember("stream", .string(stream)), JSONMember("change", "gone"), JSONMember("state", v)])
            case .changed(let field, let old, let new):
                .object([
                    JSONMember("stream", .string(stream)), JSONMember("change", "changed"), JSONMember("field", .string(field)),
                    JSONMember("old", old ?? .null), JSONMember("new", new ?? .null),
                ])
            }
        }
    }
}
