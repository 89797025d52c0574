import ArgumentParser
import ChronicleCore
import ChronicleStore
import Foundation

/// `chronicle snapshot`: takes, lists or drops snapshots of reducer state.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Take a snapshot of every kind's reducer state now (or list or drop them).",
        discussion: """
            A snapshot holds every task, memory key, workflow and context as of the newest event \
            (valid time: its recorded time), LZ4-compressed in the log's `snapshots` table. \
            Collection queries (`query tasks`, `diff`) start from the newest snapshot usable at \
            their point and fold only what came after it. `chronicle append` takes one every \
            --snapshot-every events by itself. Snapshots are a cache: dropping them changes no \
            answer. Prints one line per snapshot: kind, position, valid time, stored bytes. \
            Exit status: 0 done, 2 bad arguments (a position past the log's end), 3 the log cannot be opened or written (a missing file is not created).
            """)

    @OptionGroup var options: LogOptions

    @Option(help: "Take it at this log position: #SEQ or SEQ (default: the newest event).")
    var at: String?

    @Flag(help: "List the stored snapshots instead of taking one.")
    var list = false

    @Flag(help: "Delete every stored snapshot instead of taking one.")
    var drop = false

    func validate() throws {
        if list && drop { throw ValidationError("--list and --drop cannot be used together") }
        if let at { _ = try PointArguments.position(at, option: "--at") }
        if (list || drop) && at != nil { throw ValidationError("--at takes a snapshot; it does not go with --list or --drop") }
    }

    func run() async throws {
        let logger = options.logger(label: "chronicle.snapshot")
        // Never creates a log: a mistyped --db is an error, not a new empty file.
        let log = try options.openExisting(logger: logger, forWriting: !list)
        let position = try at.map { try PointArguments.position($0, option: "--at") }
        if let position, let at { try PointArguments.within(position, option: "--at", text: at, lastSeq: try log.lastPosition()) }
        do {
            if drop {
                let n = try log.dropSnapshots()
                print("dropped \(n) snapshot\(n == 1 ? "" : "s")")
                return
            }
            var taken: Int64?
            if !list {
                taken = try LogQuery(log: log).takeSnapshots(at: position).first?.position
                if taken == nil { FileHandle.standardError.write(Data("chronicle: the log is empty; no snapshot taken\n".utf8)) }
            }
            // Listed: all of them; taken: the ones just stored.
            let summaries = try log.snapshotSummaries().filter { s in list || (s.position == taken && s.readable) }
            for s in summaries {
                print("\(s.kind)\t#\(s.position)\t\(s.validAt.rfc3339)\t\(s.bytes) bytes\(s.readable ? "" : "\tolder format, ignored")")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw CommandFailure.unreadable(error)
        }
    }
}
