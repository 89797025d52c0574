import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleStore
import ChronicleViews
import Foundation

/// `chronicle history`: every version of one entity, as rectangles of the bitemporal plane.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every version of a task, memory key or workflow: its valid interval and its recorded interval.",
        discussion: """
            One row per version: the event that made it (seq), the valid interval [from, to) and the \
            recorded interval [from, to) over which the log believed it ("…" is open), and what became \
            of it: current, corrected (a later-recorded event changed it) or retracted. Versions \
            later corrected or retracted are listed too. Exit status: 0, 1 the entity never \
            existed, 2 bad arguments, 3 the log cannot be opened or read.
            """)

    @Argument(help: "task, memory or workflow.")
    var kind: String

    @Argument(help: "The task id, memory key or workflow instance id.")
    var id: String

    @OptionGroup var options: LogOptions

    @Option(help: "table (default), json or yaml.")
    var format: Rendering.Format = .table

    func validate() throws {
        guard ["task", "memory", "workflow"].contains(kind) else { throw ValidationError("'\(kind)' is not task, memory or workflow") }
        guard Identifier.isValid(id) else { throw ValidationError("'\(id)' is not a valid id") }
    }

    func run() async throws {
        let logger = options.logger(label: "chronicle.history")
        let log = try options.openExisting(logger: logger)
        let stream = StreamID(EntityKind(rawValue: kind)!, id)
        let versions: [Version]
        do {
            versions = try LogQuery(log: log).history(stream)
        } catch {
            throw CommandFailure.unreadable(error)
        }
        guard !versions.isEmpty else { throw CommandFailure.notFound("the log has no \(kind) '\(id)'") }
        let output: String
        switch format {
        case .table:
            output = Rendering.table(
                header: ["seq", "valid_from", "valid_to", "recorded_from", "recorded_to", "fate", "state"],
                rows: versions.map { v in
                    [
                        String(v.seq), v.validFrom.rfc3339, v.validTo?.rfc3339 ?? "…", v.recordedFrom.rfc3339,
                        v.recordedTo?.rfc3339 ?? "…", v.fate.rawValue, Self.summary(v.state),
                    ]
                })
        case .json: output = JSONValue.array(versions.map(Self.json)).jsonString + "\n"
        case .yaml: output = try Rendering.yaml(.array(versions.map(Self.json)))
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    static func json(_ v: Version) -> JSONValue {
        .object([
            JSONMember("seq", .number(Double(v.seq))),
            JSONMember("valid_from", .string(v.validFrom.rfc3339)),
            JSONMember("valid_to", v.validTo.map { .string($0.rfc3339) } ?? .null),
            JSONMember("recorded_from", .string(v.recordedFrom.rfc3339)),
            JSONMember("recorded_to", v.recordedTo.map { .string($0.rfc3339) } ?? .null),
            JSONMember("fate", .string(v.fate.rawValue)),
            JSONMember("state", v.state?.json ?? .null),
        ])
    }

    /// The few fields that tell versions apart.
    static func summary(_ state: Entity?) -> String {
        switch state {
        case nil: return "(absent)"
        case .task(let t)?: return "\(t.status.rawValue) \(JSONValue.format(number: t.progress)) \"\(t.title)\""
        case .memory(let m)?: return m.value.jsonString
        case .workflow(let w)?: return "\(w.status.rawValue) \(JSONValue.format(number: w.progress))"
        case .context(_, let summary, _)?: return summary
        }
    }
}
