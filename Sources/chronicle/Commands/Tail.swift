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
            directory changes (inotify), then reads what was committed. Exit status: 0, 2 bad \
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
        var next = try PointArguments.position(from, option: "--from")
        if !follow {
            // The position just after the end prints nothing; further is a mistake (or wants --follow).
            try PointArguments.within(next - 1, option: "--from", text: from, lastSeq: try log.lastPosition())
        }
        var out: [UInt8] = []
        // After a wake-up that found nothing new, look again a few times, sooner than the next
        // notification: the WAL is written (and notified) before the commit becomes visible.
        var retry = 0
        while true {
            let events: [ExportedEvent]
            do {
                events = try log.read { tx in try tx.exported(after: next - 1, limit: 10_000) }
            } catch {
                FileHandle.standardError.write(Data("chronicle: the log cannot be read: \(error)\n".utf8))
                throw ExitCode(3)
            }
            out.removeAll(keepingCapacity: true)
            for e in events {
                out.append(contentsOf: line(e).utf8)
                out.append(10)
            }
            guard AckOutput.writeAll(1, out) else { return }  // the reader went away
            if let last = events.last {
                next = last.seq + 1
                retry = 0
            }
            if events.count == 10_000 { continue }
            guard follow else { return }
            if events.isEmpty, retry < Self.retryMicroseconds.count {
                usleep(Self.retryMicroseconds[retry])
                retry += 1
                continue
            }
            // Woken by a change in the log's directory; the timeout only guards against a
            // missed notification.
            guard let watcher else {
                usleep(50_000)
                continue
            }
            if watcher.wait(timeoutMilliseconds: 1_000) { retry = 0 }
        }
    }

    /// Every 0.2 ms for 10 ms, then every 10 ms for 200 ms more (a slow fsync): each look is one
    /// indexed read of the rows after the last one printed.
    static let retryMicroseconds: [UInt32] = Array(repeating: 200, count: 50) + Array(repeating: 10_000, count: 20)

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
