public import ArgumentParser
import ChronicleCore
import ChronicleStore
import ChronicleViews
import Foundation
import Logging

/// The bi-temporal point shared by `query`: --valid-at and --known-at, both defaulting to now.
struct AsOfOptions: ParsableArguments {
    @Option(help: "Valid time: how things stood at this RFC 3339 time (default: now).")
    var validAt: String?

    @Option(help: "Transaction time: what the log knew at this RFC 3339 time, or at log position #SEQ (default: now).")
    var knownAt: String?

    /// The point, "now" being the time the log's next command would be recorded at.
    func point(_ query: LogQuery, clock: any RecordingClock) throws -> AsOf {
        var valid = try validAt.map {
            try PointArguments.validTime($0, option: "--valid-at", axisHint: "a log position goes with --known-at")
        }
        // The log's last position is read only to check a #SEQ against it.
        let lastSeq = knownAt?.hasPrefix("#") == true ? try query.log.lastPosition() : .max
        var known = try knownAt.map { try PointArguments.knownAt($0, option: "--known-at", lastSeq: lastSeq) }
        if valid == nil || known == nil {
            let now = try query.now(clock: clock)
            valid = valid ?? now
            known = known ?? .time(now)
        }
        return AsOf(valid: valid!, known: known!)
    }
}

/// `chronicle query`: the state of an entity, or of every entity of a kind, as of a (valid, known) point.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a task, memory key or workflow (or all of them) as of a valid time, as known at a transaction time.",
        discussion: """
            Forms: query task ID | memory KEY | workflow ID | tasks | memory | workflows. \
            --valid-at says when in the world, --known-at what the log knew by then (a time, or #SEQ \
            for a log position); both default to now. Collections take --status, --intent, \
            --keyword and --context (tasks) filters. Exit status: 0 found, 1 no such entity as of \
            that point, 2 bad arguments, 3 the log cannot be opened or read.
            """)

    @Argument(help: "task, memory, workflow (one, with its id or key), or tasks, memory, workflows (all).")
    var kind: String

    @Argument(help: "The task id, memory key or workflow instance id.")
    var id: String?

    @OptionGroup var options: LogOptions
    @OptionGroup var asOf: AsOfOptions

    @Option(help: "yaml (default), json or table.")
    var format: Rendering.Format = .yaml

    @Option(help: "Only tasks or workflows with this status.")
    var status: String?

    @Option(help: "Only tasks with this intent.")
    var intent: String?

    @Option(help: "Only tasks with this keyword.")
    var keyword: String?

    @Option(help: "Only tasks whose context_cascade is this path.")
    var context: String?

    @Flag(help: "Fold collections from the first event, not from the newest usable snapshot (same answer, slower).")
    var noSnapshots = false

    /// What the arguments ask for: one entity, or a whole kind.
    enum Target {
        case one(StreamID)
        case all(EntityKind)
    }

    func target() throws -> Target {
        let one: [String: EntityKind] = ["task": .task, "memory": .memory, "workflow": .workflow]
        let all: [String: EntityKind] = ["tasks": .task, "memories": .memory, "workflows": .workflow]
        if let id, let k = one[kind] {
            guard Identifier.isValid(id) else { throw ValidationError("'\(id)' is not a valid id") }
            return .one(StreamID(k, id))
        }
        if id == nil, let k = all[kind] ?? (kind == "memory" ? .memory : nil) { return .all(k) }
        if one[kind] != nil { throw ValidationError("query \(kind) needs an id (or use the plural form for all of them)") }
        if let id, let k = all[kind] {
            let singular = k == .memory ? "memory" : k.rawValue
            throw ValidationError("query \(kind) lists every \(singular) and takes no id; for one, use: query \(singular) \(id)")
        }
        throw ValidationError("'\(kind)' is not task, memory or workflow (one, with its id), nor tasks, memory or workflows (all)")
    }

    func validate() throws {
        _ = try target()
        if let status {
            switch try target() {
            case .all(.task) where TaskStatus(rawValue: status) == nil:
                throw ValidationError(
                    "--status '\(status)' is not a task status; use one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            case .all(.workflow) where WorkflowStatus(rawValue: status) == nil:
                throw ValidationError(
                    "--status '\(status)' is not a workflow status; use one of \(WorkflowStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            case .all(.memory):
                throw ValidationError("--status filters tasks and workflows; memory keys have no status")
            default: break
            }
        }
        if case .one = try target(), status != nil || intent != nil || keyword != nil || context != nil {
            throw ValidationError("--status, --intent, --keyword and --context filter collections (tasks, memory, workflows)")
        }
    }

    func run() async throws {
        let logger = options.logger(label: "chronicle.query")
        let clock = try options.clock()
        let query = LogQuery(log: try options.openExisting(logger: logger))
        let output: String
        do {
            let point = try asOf.point(query, clock: clock)
            switch try target() {
            case .one(let stream):
                guard let entity = try query.entity(stream, asOf: point) else {
                    throw CommandFailure.notFound(
                        "no \(stream.kind.rawValue) '\(stream.id)' as of valid \(point.valid), known at \(point.known)")
                }
                output = try Rendering.entity(entity, as: format)
            case .all(let kind):
                let watch = ContinuousClock.now
                let (entities, plan) = try query.entitiesAndPlan(kind, asOf: point, useSnapshots: !noSnapshots)
                logger.debug(
                    "folded",
                    metadata: [
                        "snapshot": "\(plan.snapshot.map { "#\($0)" } ?? "none")", "events.later": "\(plan.laterEvents)",
                        "streams.refolded": "\(plan.refolded)", "duration": "\(ContinuousClock.now - watch)",
                    ])
                let filter = EntityFilter(status: status, intent: intent, keyword: keyword, context: context)
                output = try Rendering.entities(entities.filter(filter.matches), of: kind, as: format)
            }
        } catch let error as CommandFailure {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw CommandFailure.unreadable(error)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}

extension Rendering.Format: ExpressibleByArgument {}
