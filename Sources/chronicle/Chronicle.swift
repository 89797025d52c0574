import ArgumentParser
import ChronicleCore
import Foundation

/// The `chronicle` command: a bi-temporal event store for assistant systems.
struct Chronicle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle",
        abstract: "A bi-temporal, append-only event log for an assistant's tasks, memory and workflows.",
        discussion: """
            Exit status of append: 0 every line acked (er: acks included unless --strict), 1 --strict \
            stopped at an error, 2 bad arguments, 3 the log cannot be opened or written. Of verify: \
            0 the log is sound (or the Redis view matches), 1 it is damaged (or the view differs), 2 bad \
            arguments, 3 it cannot be opened or read, 4 the Redis server cannot be reached. \
            Each command's --help gives its own. Shell completions: chronicle \
            --generate-completion-script bash|zsh|fish.
            """,
        version: Chronicle.version,
        subcommands: [
            Append.self, Query.self, History.self, Diff.self, Tail.self, Verify.self, SnapshotCommand.self, ReplayCommand.self,
            ProjectCommand.self, Status.self,
        ])
}

extension Chronicle {
    static let version = "0.10.0"

    /// The words that name `command` from `root`: `["chronicle", "project", "redis"]`; nil when
    /// it is not one of root's.
    static func path(to command: any ParsableCommand.Type, from root: any ParsableCommand.Type = Chronicle.self) -> [String]? {
        if ObjectIdentifier(command) == ObjectIdentifier(root) { return [root._commandName] }
        for sub in root.configuration.subcommands {
            if let below = path(to: command, from: sub) { return [root._commandName] + below }
        }
        return nil
    }
}

/// Runs the command line: the one place where an error becomes an exit status. Bad arguments
/// (found while parsing or while running) exit 2 with the usage of the subcommand they belong
/// to; an ``ExitingError`` prints its description and exits with its status; anything else,
/// which can only come from reading or writing the log's file, exits 3.
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
        } catch let error as any ExitingError where error.exitStatus != ExitStatus.badArguments {
            if !error.description.isEmpty { FileHandle.standardError.write(Data("chronicle: \(error)\n".utf8)) }
            Foundation.exit(error.exitStatus)
        } catch {
            if error is any ExitingError || Chronicle.exitCode(for: error) == .validationFailure {
                // An argument found bad while running (a time, a position past the end, a
                // missing routing file): the message and the usage of the command that found it.
                let message =
                    if let parsed, parsed != Chronicle.self {
                        "Error: \(Chronicle.message(for: error))\nUsage: \(Chronicle.usageString(for: parsed))\n"
                            + "  See '\((Chronicle.path(to: parsed) ?? ["chronicle", parsed._commandName]).joined(separator: " ")) --help' for more information."
                    } else {
                        Chronicle.fullMessage(for: error)
                    }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(ExitStatus.badArguments)
            }
            // Help, --version and ArgumentParser's own errors keep their statuses; an error of no
            // kind above (which ArgumentParser would end with 1, the status of "not found") is the
            // log's file failing under us.
            guard Chronicle.exitCode(for: error) == .failure, !(error is ExitCode) else { Chronicle.exit(withError: error) }
            FileHandle.standardError.write(Data("chronicle: \(error)\n".utf8))
            Foundation.exit(ExitStatus.logUnusable)
        }
    }
}
