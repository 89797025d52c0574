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
            0 the log is sound, 1 it is damaged, 2 bad arguments, 3 it cannot be opened or read. \
            Each command's --help gives its own. Shell completions: chronicle \
            --generate-completion-script bash|zsh|fish.
            """,
        version: Chronicle.version,
        subcommands: [Append.self, Query.self, History.self, Diff.self, Tail.self, Verify.self, SnapshotCommand.self])
}

extension Chronicle {
    static let version = "0.10.0"
}

/// Runs the command line, mapping argument errors to exit status 2, with the usage of the
/// subcommand they belong to.
@main
enum Main {
    static func main() async {
        var parsed: (any ParsableCommand.Type)?
        do {
            var command = try Chronicle.parseAsRoot()
            parsed = type(of: command)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if Chronicle.exitCode(for: error) == .validationFailure {
                // An argument found bad while running (a time, a position past the end, a
                // routing file): the message and the usage of the command that found it.
                let message =
                    if let parsed, parsed != Chronicle.self {
                        "Error: \(Chronicle.message(for: error))\nUsage: \(Chronicle.usageString(for: parsed))\n"
                            + "  See 'chronicle \(parsed._commandName) --help' for more information."
                    } else {
                        Chronicle.fullMessage(for: error)
                    }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(2)
            }
            Chronicle.exit(withError: error)
        }
    }
}
