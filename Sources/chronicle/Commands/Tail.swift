import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleStore
import Foundation

/// `chronicle tail`: the log's events in order, and with --follow the ones other processes append.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the log's events from a position on; with --follow, keep printing new ones as they are committed.",
        discussion: """
            Coded lines read ev:{seq}|{stream}|{rev}|{type}|{valid_from}|{recorded_at}|{command_id}|{payload}; \
            JSON lines are objects with the same fields. --follow sleeps until a file of the log's \
            directory changes (inotify), then reads what was committed; SIGINT or SIGTERM ends it \
            once the events read are printed. Exit status: 0 (also when stopped so), 2 bad \
            arguments, 3 the log cannot be opened or read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case coded
        case json
    }

    @OptionGroup var options: LogOptions

    @Option(help: "The first position to print: #SEQ or SEQ (default #1). Past the log's end only with --follow.")
    var from: String = "#1"

    @Flag(help: "Keep running and print events as they are appended (by any process).")
    var follow = false

    @Option(help: "coded (default) or json.")
    var format: Format = .coded

    func validate() throws {
        _ = try PointArguments.position(from, option: "--from")
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let logger = options.logger(label: "chronicle.tail")
        let log = try options.openExisting(logger: logger)
        let watcher = follow ? LogWatcher(logPath: options.path) : nil
        let next = try PointArguments.position(from, option: "--from")
        if !follow {
            // The position just after the end prints nothing; further is a mistake (or wants --follow).
            try PointArguments.within(next - 1, option: "--from", text: from, lastSeq: try log.lastPosition())
        }
        var out: [UInt8] = []
        var follower = LogFollower(log: log, from: next)
        do {
            try follower.run(following: follow, watcher: watcher, stop: follow ? StopSignal() : nil) { events in
                out.removeAll(keepingCapacity: true)
                for e in events {
                    out.append(contentsOf: line(e).utf8)
                    out.append(10)
                }
                return AckOutput.writeAll(1, out)  // false: the reader went away
            }
        } catch {
            throw CommandFailure.unreadable(error)
        }
    }

    /// The event as stored: its payload at the version it was written with.
    func line(_ e: ExportedEvent) -> String {
        switch format {
        case .coded:
            return "ev:"
                + [
                    String(e.seq), e.stream.description, String(e.streamRevision), e.type, e.validFrom.rfc3339,
                    e.recordedAt.rfc3339, CodedLanguage.escape(e.commandID), CodedLanguage.escape(e.payload.jsonString),
                ].joined(separator: "|")
        case .json:
            return e.json.jsonString
        }
    }
}
