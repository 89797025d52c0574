import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleProjection
import ChronicleRedis
import ChronicleStore
import ChronicleViews
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `chronicle project`: brings a projection up to the log, and with --follow keeps it there.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Bring a projection up to the log (write only what changed); with --follow, keep it there.",
        subcommands: [YAML.self, Redis.self])

    struct YAML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "yaml",
            abstract: "Bring the YAML tree in DIR up to the log as of now; with --follow, keep it there.",
            discussion: """
                Computes the tree as `chronicle replay yaml` would build it now (from the newest \
                usable snapshot of the log, not from its first event), compares every file with \
                what the last run wrote (DIR/.chronicle/manifest.sha256, in sha256sum's format) \
                and writes only the files whose bytes differ, each atomically (a temporary file \
                beside it, then a rename); removes the files it wrote whose entity is gone (a \
                forgotten key, a retracted creation); restores a file that was deleted (deleting \
                is not forgetting). Files at other paths, a .git directory among them, are never \
                touched. Then writes the manifest and the checkpoint \
                (DIR/.chronicle/checkpoint.json: the log's identity, the view's version, the last \
                position applied). DIR is created when missing. On a terminal, a progress bar on \
                stderr shows the catch-up (events folded, then files written); nothing when \
                stderr is not a terminal.

                Edits: before it catches up, it reads the task, memory and workflow files that \
                people changed or created since it wrote them, turns each difference from the \
                entity at the file's `revision` into commands (task fields, status and progress, \
                completion, cancellation; memory value, type, category, significance; a running \
                workflow completed or cancelled; a new tasks/ID.yaml or memory/KEY.yaml without a \
                revision creates its entity), appends them marked as the file's (command ids \
                file-<digest>-<n>, shown by tail and history) and rewrites the file in canonical \
                form. Refused, appending nothing: invalid YAML (with its line and column), an edit \
                of an older revision than the entity's, unknown, mistyped, removed or read-only \
                fields, an impossible status move, any edit of a generated context file. A refused \
                edit is kept beside the file as FILE.rejected-<UTC time> (the reason in comment \
                lines at its top, the text below), the reason goes to stderr, and the file is put \
                back as the log has it. Swap and backup files (*~, .*.swp) are never read.

                A tree of an older version of the view is rebuilt beside DIR (DIR.rebuild-PID) \
                and the two directories are exchanged in one step (renameat2 RENAME_EXCHANGE); \
                what chronicle did not write in the old tree (.git, notes, .rejected copies) is \
                then moved into the new one. A reader that opened DIR reads one version whole, \
                never half of each; a rebuild killed before the exchange leaves DIR as it was, \
                one killed after it is finished by the next run.

                With --follow, it then keeps the tree up to date: it sleeps until another process \
                commits to the log (an inotify watch on the log's files, no polling of the table) \
                and rewrites only the files of the entities those events touched, and the context \
                files those tasks leave or join; a future-dated change appears in its file when \
                its valid time arrives, without any append (the projector wakes for it). It \
                watches the tree's directories too: an edit (in place, or written to a temporary \
                file and renamed over the file, as editors do) is read once the file has been \
                quiet for 25 ms, and a deleted file is put back. It beats every second in \
                DIR/.chronicle/heartbeat.json (`chronicle status` reads it) and flushes the \
                manifest and the checkpoint every 5 seconds while it writes. SIGINT or SIGTERM \
                ends it after the batch in flight, with the manifest and the checkpoint written \
                and the heartbeat saying it stopped. A projector killed at any moment (SIGKILL, a \
                crash) leaves a tree that the next run brings to exactly what a fresh rebuild \
                gives: its journal (DIR/.chronicle/journal.sha256) names every file it was about \
                to write or remove, so none of its own files is taken for an edit, and its \
                temporary files are removed.

                One projector per DIR: a second one is refused while the first holds \
                DIR/.chronicle/lock. Refused too: a DIR that holds the view of another log, or of \
                a newer version. Prints what it did on stderr. Exit status: 0 up to date (or \
                stopped by SIGINT/SIGTERM), 1 DIR refused or not writable, 2 bad arguments, 3 the \
                log cannot be opened or read.
                """)

        @Argument(help: "The tree's directory (created when missing).")
        var directory: String

        @Flag(help: "Keep following the log (and reading edits of the tree) after catching up, until SIGINT or SIGTERM.")
        var follow = false

        @OptionGroup var options: LogOptions

        func run() async throws {
            let logger = options.logger(label: "chronicle.project")
            let clock = try options.clock()
            let log = try options.openExisting(logger: logger)
            try await Job(directory: directory, follow: follow, logPath: options.path, clock: clock, logger: logger, log: log).start()
        }
    }
}

extension ProjectCommand {
    struct Redis: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redis",
            abstract: "Bring the Redis keyspace up to the log as of now; with --follow, keep it there.",
            discussion: """
                Connects to the server --redis names (redis://[user@]host:port/db or \
                unix:///path/redis.sock?db=N), or CHRONICLE_REDIS_URL (which may hold the password: \
                redis://[user:password@]host:port/db). A password is never taken from the command \
                line (ps would show it): put it in CHRONICLE_REDIS_URL, or in a file named by \
                --redis-password-file. rediss:// is not \
                supported (the system hiredis has no TLS). With no URL at all, it says what to \
                pass and how to start a local server. Every key goes under --prefix.

                Reads the keyspace's checkpoint (PREFIXchronicle:checkpoint: the log's identity, \
                the view's version, the last position applied). With one of this log and this \
                version, it folds the state as of that point and writes what the events since \
                changed, each key once; with none (a new server, or one restarted empty) it loads \
                the whole view in place, the checkpoint last; with one of an older version, it \
                builds the whole view beside the live keys and swaps it in by one MULTI/EXEC. Either \
                way the keys of the view's families under the prefix (tasks:, workflows:, memory:, \
                contexts:, idx:) that the view does not have are deleted, and no other key. A keyspace of another log or of a newer \
                version is refused. Each batch's writes, one message per change on \
                PREFIXchronicle:changes (`[seq=N] su:…`, `[seq=N] tr:…`) and the checkpoint go in \
                one MULTI/EXEC: a projector killed at any moment applies and publishes each change \
                once. The keys are listed in the README (`chronicle replay redis --print` writes \
                the same view without a server).

                One projector writes a keyspace at a time: PREFIXchronicle:lock names it \
                (PID@HOST), for 15 s after its last refresh; another projector, replay redis or \
                verify --repair on the prefix is refused (exit 1), a lock of a projector killed \
                on this host is taken over, one of another host expires.

                With --follow it then keeps following the log (an inotify watch on the log's \
                files), future-dated changes appearing when their valid time comes, and beats \
                every second in PREFIXchronicle:heartbeat. Redis down, restarted or refusing \
                writes (out of memory, a read-only replica): appends are not affected; the projector tries again with capped backoff and jitter, says \
                once that the server is down and once that it is back, then catches up (a server \
                restarted empty is loaded whole). SIGINT or SIGTERM end it after the batch in \
                flight. A server not reachable when --follow starts is waited for in the same \
                way; a refused login is not. Exit status: 0 up to date (or stopped), 1 the keyspace \
                refused, 2 bad arguments (no URL, a password on the command line), 3 the log \
                cannot be opened or read, 4 the Redis server cannot be reached (without --follow) \
                or refused the login.
                """)

        @OptionGroup var redisOptions: RedisOptions

        @OptionGroup var keyPrefix: RedisPrefixOption

        @Flag(help: "Keep following the log after catching up, until SIGINT or SIGTERM.")
        var follow = false

        @OptionGroup var options: LogOptions

        func run() async throws {
            let logger = options.logger(label: "chronicle.project")
            let url = try redisOptions.url()
            let clock = try options.clock()
            let log = try options.openExisting(logger: logger)
            let projector = try RedisProjector(log: log, url: url, prefix: keyPrefix.prefix, clock: clock, logger: logger)
            projector.report = { line in FileHandle.standardError.write(Data("chronicle: \(line)\n".utf8)) }
            try await RedisJob(projector: projector, follow: follow, logPath: options.path, logger: logger).start()
        }
    }
}

/// A projector command's run: the catch-up, then (following) the steps until asked to stop,
/// on a thread of its own (it sleeps in `poll`). A ``Service``, so that a service group stops it
/// on SIGINT or SIGTERM.
private protocol ProjectorJob: Service {
    var follow: Bool { get }
    var logger: Logger { get }
    func project(stop: StopSignal?) throws
}

extension ProjectorJob {
    /// Following, in a service group that turns SIGINT and SIGTERM into a stop after the batch
    /// in flight; else once, a signal stopping the catch-up.
    func start() async throws {
        if follow {
            let group = ServiceGroup(configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } else {
            let stop = StopSignal()
            try await Worker.perform(name: "chronicle.project") { try project(stop: stop) }
        }
    }

    func run() async throws {
        guard let stop = StopSignal(takingSignals: false) else {
            throw CommandFailure.stopped("no file descriptor left for the stop signal")
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await Worker.perform(name: "chronicle.project") { try project(stop: stop) }
            } onGracefulShutdown: {
                stop.request()
            }
        } onCancel: {
            stop.request()
        }
    }

}

/// One Redis projector run: the catch-up, then (following) the steps until asked to stop.
private struct RedisJob: ProjectorJob, @unchecked Sendable {  // the projector is used by the one thread `project` runs on
    let projector: RedisProjector
    let follow: Bool
    let logPath: String
    let logger: Logger

    func project(stop: StopSignal?) throws {
        defer { projector.close() }
        do {
            let complete = try projector.catchUp(stop: stop)
            if !complete {
                projector.report("\(projector.url) prefix '\(projector.prefix)': stopped before catching up; run again to finish")
                return
            }
            projector.report("\(projector.url) prefix '\(projector.prefix)': up to #\(projector.position)")
        } catch let error as RedisError {
            // Following, a server not up yet is waited for (as one that goes away later is);
            // a wrong URL or password, or a one-off run, ends here.
            guard follow, let stop, error.isTransient else { throw RedisFailure.server(error) }
            try projector.follow(wakeUp: LogWatcher(logPath: logPath), stop: stop, notYet: error)
            projector.report("\(projector.url) prefix '\(projector.prefix)': stopped at #\(projector.position)")
            return
        }
        guard follow, let stop else { return }
        let watcher = LogWatcher(logPath: logPath)
        try projector.follow(wakeUp: watcher, stop: stop)
        projector.report("\(projector.url) prefix '\(projector.prefix)': stopped at #\(projector.position)")
    }
}

/// One projector run: the catch-up, then (following) the steps until asked to stop. A
/// ``Service`` of its own, so that a service group stops it on SIGINT or SIGTERM.
private struct Job: ProjectorJob, @unchecked Sendable {  // the log is used by the one thread `project` runs on
    let directory: String
    let follow: Bool
    let logPath: String
    let clock: any RecordingClock
    let logger: Logger
    let log: EventLog

    /// Runs on a thread of its own (it sleeps in `poll`).
    func project(stop: StopSignal?) throws {
        let projector: TreeProjector
        do {
            projector = try TreeProjector(log: log, directory: directory, clock: clock, logger: logger)
        } catch let error as any ExitingError {
            throw error
        } catch {
            throw CommandFailure.unreadable(error)
        }
        projector.report = { line in FileHandle.standardError.write(Data("chronicle: \(line)\n".utf8)) }
        for side in projector.leftSides {
            projector.report("\(side) is named like a rebuild of \(directory) but holds no tree of chronicle's; left alone")
        }
        let complete = try projector.catchUp(stop: stop)
        report(projector, complete: complete, stop: stop)
        guard follow, complete, let stop else { return }
        projector.sink.resetOutcome()
        let watcher = LogWatcher(logPath: logPath)
        if watcher == nil { logger.warning("no inotify: looking at the log every 50 ms, and edits are read by the next run only") }
        let edits = TreeWatcher(root: directory, tops: YAMLTree.directories, log: watcher)
        try projector.follow(wakeUp: watcher, watcher: edits, stop: stop)
        report(projector, complete: true, stop: stop, eachFile: false)
    }

    /// What the run did, on stderr; `eachFile`: the files kept aside and restored too (a
    /// follower reported them as it went).
    private func report(_ projector: TreeProjector, complete: Bool, stop: StopSignal?, eachFile: Bool = true) {
        let outcome = projector.sink.outcome
        var text = ""
        for path in outcome.keptAside where eachFile {
            text += "chronicle: \(directory)/\(path) changed while chronicle rewrote it; kept beside it as .rejected-…\n"
        }
        for path in outcome.restored where eachFile {
            text += "chronicle: \(directory)/\(path) was deleted; restored from the log (deleting a file is not forgetting)\n"
        }
        let counts =
            "\(outcome.written.count) written, \(outcome.restored.count) restored, \(outcome.removed.count) removed, \(outcome.unchanged) unchanged"
        if complete {
            text += "chronicle: \(directory): up to #\(projector.position); \(counts)\n"
        } else {
            text +=
                "chronicle: \(directory): stopped by \(stop?.signalName ?? "a signal") before catching up (\(counts)); run again to finish\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
