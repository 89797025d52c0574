import ArgumentParser
import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleViews
import Foundation

/// `chronicle project`: brings a projection up to the log.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Bring a projection up to the log: write only what changed since the last run.",
        subcommands: [YAML.self])

    struct YAML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "yaml",
            abstract: "Bring the YAML tree in DIR up to the log as of now, then exit.",
            discussion: """
                Computes the tree as `chronicle replay yaml` would build it now, compares it \
                with DIR/.chronicle/manifest.sha256 (what the last run wrote, in sha256sum's \
                format) and writes only the files whose bytes differ, each atomically; removes \
                the files it wrote whose entity is gone (a forgotten key, a retracted \
                creation); restores a file that was deleted (deleting is not forgetting). Files \
                at other paths, a .git directory among them, are never touched. A file at one of \
                the tree's paths whose bytes chronicle did not write last (changed by hand, or \
                put there by someone else) is kept beside it as FILE.rejected-<UTC time> and \
                rewritten from the log: this version does not turn edits into commands yet. Then writes the manifest and the checkpoint \
                (DIR/.chronicle/checkpoint.json: the log's identity, the view's version, the \
                last position applied). DIR is created when missing. Refused: a DIR that holds \
                the view of another log, or of another version. Prints what it did on stderr. \
                Exit status: 0 up to date, 1 DIR refused or not writable, 2 bad arguments, 3 the \
                log cannot be opened or read.
                """)

        @Argument(help: "The tree's directory (created when missing).")
        var directory: String

        @OptionGroup var options: LogOptions

        func run() async throws {
            let logger = options.logger(label: "chronicle.project")
            let clock = try options.clock()
            let log = try options.openExisting(logger: logger)
            let query = LogQuery(log: log)
            let entities: [Entity]
            let checkpoint: ViewCheckpoint
            let now: Timestamp
            do {
                let identity = try log.identity()
                let seq = try log.lastPosition()
                now = try query.now(clock: clock)
                // Known at the position read: the checkpoint vouches for exactly these events.
                entities = try query.treeEntities(asOf: AsOf(valid: now, known: .position(seq)))
                checkpoint = ViewCheckpoint(view: "yaml", version: YAMLTree.version, log: identity, seq: seq, validAt: now)
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure.unreadable(error)
            }
            let outcome = try TreeProjection.catchUp(entities, at: directory, checkpoint: checkpoint, now: now)
            var report = ""
            for path in outcome.keptAside {
                report += "chronicle: \(directory)/\(path) was changed by hand; kept beside it as .rejected-…\n"
            }
            for path in outcome.restored {
                report += "chronicle: \(directory)/\(path) was deleted; restored from the log (deleting a file is not forgetting)\n"
            }
            report +=
                "chronicle: \(directory): up to #\(checkpoint.seq); \(outcome.written.count) written, \(outcome.restored.count) restored, \(outcome.removed.count) removed, \(outcome.unchanged) unchanged\n"
            FileHandle.standardError.write(Data(report.utf8))
        }
    }
}
