public import ArgumentParser
public import ChronicleApp
import ChronicleCore
import ChronicleStore
import Foundation
import Logging

/// `chronicle append`: commands on stdin, one ack per line on stdout.
struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append commands from standard input; print one ack per line.",
        discussion: """
            Each line is a coded command (tc:, ts:, wf:, ms:, cl:, su:, tr:, optionally behind an \
            [id=… valid=… rev=…] envelope) or a JSON object ({"cmd": …} or a handoff object). \
            Lines are committed in groups; each ack is printed only once its line is durable. \
            Empty lines and # comments get no ack. Recorded times come from CHRONICLE_CLOCK \
            (system, or fixed:<RFC 3339> for tests). SIGINT or SIGTERM stops reading: the lines read \
            are committed and acked, then it exits 0 (a second signal ends it at once, 130 or 143). \
            Exit status: 0 the input was read to the end or a signal stopped it \
            (er: acks included), 1 --strict stopped at an error, standard input could not be \
            read, standard output closed or the routing file's contents are bad, 2 bad arguments \
            (a missing --routing file or a bad clock setting included), 3 the log cannot \
            be opened or written (every ack printed before the message is committed).
            """)

    @OptionGroup var options: LogOptions
    @OptionGroup var durability: DurabilityOptions

    @Option(help: "Ack format: coded (default) or json.")
    var format: AppendSession.AckFormat = .coded

    @Flag(help: "Stop at the first error ack (exit status 1); lines after it are not appended.")
    var strict = false

    @Option(
        help:
            "Take a snapshot of reducer state at every this many events, in the background (default: $CHRONICLE_SNAPSHOT_EVERY, else 50000; 0: never)."
    )
    var snapshotEvery: Int64?

    @Option(help: "Routing thresholds file (default: $CHRONICLE_ROUTING, else config/routing.yaml if present, else built-in).")
    var routing: String?

    /// The open of earlier versions, kept as the baseline of `tools/bench`'s open-cost rows.
    @Flag(help: .hidden)
    var openByFoldingEverything = false

    func run() async throws {
        let logger = options.logger(label: "chronicle.append")
        let policy = try RoutingConfig.load(path: routing ?? options.environment["CHRONICLE_ROUTING"])
        let clock = try options.clock()
        let every = try snapshotInterval()
        let log = try options.open(logger: logger, durability: try durability.durability(options.environment))
        signal(SIGPIPE, SIG_IGN)
        var session = AppendSession()
        session.format = format
        session.strict = strict
        session.stop = StopSignal()  // nil without a pipe: then a signal ends the process as by default
        let outcome: AppendSession.Outcome
        do {
            let appender = try Appender(
                log: log, decider: Decider(routing: policy), clock: clock, logger: logger,
                opening: openByFoldingEverything ? .byFoldingEverything : .lazily)
            if every > 0, options.path != ":memory:" {
                appender.snapshotter = try Snapshotter(path: options.path, every: every, logger: logger)
            }
            let openedAt = appender.live.lastSeq
            outcome = try session.run(appender, logger: logger)
            // After a bulk load, the snapshots due are finished and stored, and the WAL is copied
            // back (a snapshot's read holds the checkpoint back), so that the next process pays
            // for neither. A short input leaves at once: a snapshot being computed is dropped (a
            // cache), and the WAL is copied by some later commit.
            // A stop signal skips the wait: a snapshot is a cache, and the WAL is copied later.
            let stopped = if case .stopped = outcome { true } else { false }
            let bulk = appender.live.lastSeq - openedAt >= Self.bulkEvents && !stopped
            if bulk { appender.snapshotter?.waitUntilIdle() }
            do { try appender.storeReadySnapshots() } catch { logger.warning("snapshot not stored", metadata: ["error": "\(error)"]) }
            if bulk { log.checkpointIfLarge() }
        } catch let error as InputError {
            throw error
        } catch {
            throw CommandFailure.unwritable(error)
        }
        switch outcome {
        case .finished: return
        case .stoppedAtError(let line):
            throw CommandFailure.stopped("--strict: stopped at the error on line \(line); later lines were not appended")
        case .outputClosed:
            throw CommandFailure.stopped("standard output closed; stopped appending")
        case .stopped(let line, let signal):
            // Asked to stop: what was read is committed and acked; the rest of the input is unread.
            FileHandle.standardError.write(
                Data("chronicle: \(signal): stopped reading after line \(line); every line up to it is committed and acked\n".utf8))
        }
    }
}

extension Append {
    /// Events appended by one run past which it counts as a bulk load at its end.
    static let bulkEvents: Int64 = 10_000

    /// --snapshot-every, else CHRONICLE_SNAPSHOT_EVERY, else the default; 0 turns snapshots off.
    func snapshotInterval() throws -> Int64 {
        if let snapshotEvery {
            guard snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be 0 (never) or a number of events") }
            return snapshotEvery
        }
        guard let text = options.environment["CHRONICLE_SNAPSHOT_EVERY"] else { return Snapshotter.defaultEvery }
        guard let n = Int64(text), n >= 0 else {
            throw ValidationError("CHRONICLE_SNAPSHOT_EVERY='\(text)' is not 0 (never) or a number of events")
        }
        return n
    }
}

extension AppendSession.AckFormat: ExpressibleByArgument {}
