import ArgumentParser
import Foundation

/// The `chronicle` command: a bi-temporal event store for assistant systems.
struct Chronicle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle",
        abstract: "A bi-temporal, append-only event log for an assistant's tasks, memory and workflows.",
        discussion: """
            Exit status of append: 0 every line acked (er: acks included unless --strict), 1 --strict \
            stopped at an error, 2 bad arguments, 3 the log cannot be opened or written. Of verify: \
            0 the log is sound, 1 it is damaged, 2 bad arguments, 3 it cannot be opened or read.
            """,
        subcommands: [Append.self, Query.self, History.self, Diff.self, Tail.self, Verify.self, SnapshotCommand.self])
}

/// Runs the command line, mapping argument errors to exit status 2.
@main
enum Main {
    static func main() async {
        do {
            var command = try Chronicle.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if Chronicle.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Chronicle.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            Chronicle.exit(withError: error)
        }
    }
}
