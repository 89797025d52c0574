import ArgumentParser
import ChronicleCore
import ChronicleProjection
import ChronicleStore
import Foundation

/// `chronicle replay`: rebuilds a projection from the log, as it is now or as of any past point.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projection from the log into a fresh directory, now or as of any past point.",
        subcommands: [YAML.self])

    struct YAML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "yaml",
            abstract: "Build the complete YAML tree (tasks, workflows, memory, contexts) into a fresh directory.",
            discussion: """
                Writes tasks/ID.yaml, workflows/ID.yaml and memory/KEY.yaml (each entity as \
                `chronicle query` prints it, revision last) and one read-only file per \
                context-cascade path that tasks name (contexts/PATH.yaml, the tasks naming it with \
                their status), as of --valid-at and --known-at (both default to now): today's \
                tree, or the tree as it was at any past point. An entity absent at that point \
                (a forgotten memory key, a retracted creation) has no file. The same log and \
                point give the same bytes. DIR must not exist or be empty: the tree is built \
                beside it (DIR.partial-PID) and renamed to DIR when complete, so DIR appears \
                whole or not at all. Prints the number of files and bytes on stderr. Exit \
                status: 0 built, 1 DIR is not empty or cannot be written, 2 bad arguments, 3 \
                the log cannot be opened or read.
                """)

        @Argument(help: "The directory to create (it must not exist, or be empty).")
        var directory: String

        @OptionGroup var options: LogOptions
        @OptionGroup var asOf: AsOfOptions

        func run() async throws {
            let logger = options.logger(label: "chronicle.replay")
            let clock = try options.clock()
            let query = LogQuery(log: try options.openExisting(logger: logger))
            let entities: [Entity]
            do {
                entities = try query.treeEntities(asOf: try asOf.point(query, clock: clock))
            } catch let error as ValidationError {
                throw error
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure.unreadable(error)
            }
            let summary = try TreeReplay.build(entities, at: directory)
            FileHandle.standardError.write(Data("chronicle: \(directory): \(summary.files) files, \(summary.bytes) bytes\n".utf8))
        }
    }
}
