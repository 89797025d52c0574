import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleStore
import ChronicleViews
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
        var changes: [EntityChange] = []
        do {
            let (a, b) = try points(now: try query.now(clock: clock), lastSeq: try query.log.lastPosition())
            for kind in try kinds() {
                changes += EntityChange.between(kind, before: try query.entities(kind, asOf: a), after: try query.entities(kind, asOf: b))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw CommandFailure.unreadable(error)
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
}
