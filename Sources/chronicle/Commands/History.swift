import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleStore
import ChronicleViews
import Foundation

/// `chronicle history`: every version of one entity, as rectangles of the bitemporal plane.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every version of a task, memory key or workflow: its valid and recorded intervals and the command that made it.",
        discussion: """
            One row per version: the event that made it (seq), the valid interval [from, to) and the \
            recorded interval [from, to) over which the log believed it ("…" is open), what became \
            of it (fate): current, corrected (a later-recorded event changed it) or retracted, and \
            the command that appended the event (command): the id it was given, or @SEQ, the seq \
            of its first event, for a command given none. Versions later corrected or retracted \
            are listed too. Exit status: 0, 1 the entity never existed, 2 bad arguments, 3 the log \
            cannot be opened or read.
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
        let output = try Rendering.versions(versions, as: format)
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
