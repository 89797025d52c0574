import ArgumentParser
import ChronicleApp
import ChronicleStore
import Foundation

/// The benchmark of `chronicle append`: bulk throughput, peak memory and interactive ack
/// latency of the release binary, each beside a raw-SQLite baseline measured in the same run.
///
/// Run by `tools/bench`, which builds in release mode first. The table goes to standard
/// output, progress to standard error.
@main
struct ChronicleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ChronicleBench",
        abstract: "Benchmarks chronicle append against raw SQLite inserts (run it through tools/bench).")

    @Option(help: "Commands in the bulk run (a second run takes a quarter of them).")
    var commands = 1_000_000

    @Option(help: "Measured lines in each interactive run.")
    var interactive = 2_000

    @Option(help: "Unmeasured lines before each interactive run.")
    var warmUp = 100

    @Option(help: "Seed of the workload generator.")
    var seed: UInt64 = 20_250_601

    @Option(help: "The chronicle binary to measure.")
    var chronicle = ".build/release/chronicle"

    @Option(help: "The schema the baselines create (its events table, or all of it).")
    var schema = "schema/001_events.sql"

    @Option(help: "Directory for the command files, logs and acks (default: a new one under $TMPDIR or /tmp).")
    var workDir: String?

    @Flag(help: "Keep the work directory afterwards.")
    var keep = false

    @Flag(
        help:
            "Only write the command files (commands.txt, commands-quarter.txt; with --time-travel-only, time-travel-commands.txt) to --work-dir, e.g. to profile chronicle append by hand."
    )
    var generateOnly = false

    @Option(help: "Events in the time-travel log (0: skip the time-travel figures).")
    var timeTravelEvents = 1_000_000

    @Option(help: "Entities in the time-travel log.")
    var timeTravelEntities = 10_000

    @Option(help: "Measure the time-travel figures on this existing log instead of generating one (e.g. a 10M-event log).")
    var timeTravelLog: String?

    @Flag(help: "Only the time-travel figures (no append runs).")
    var timeTravelOnly = false

    @Option(
        help:
            "Measure the open cost (one line appended by a fresh process) also on this existing log, e.g. a 10M-event one; repeatable. Each run adds one event to it."
    )
    var openCostLog: [String] = []

    @Option(help: "Fresh processes per open-cost figure (the median is reported).")
    var openRuns = 5

    @Option(help: "Lines of the bulk append with and without command ids (0: skip).")
    var idLines = 100_000

    @Option(help: "Runs of the bulk append with and without ids, taken in turns (the medians are reported).")
    var idRuns = 5

    @Option(help: "Tasks in the log whose YAML tree is rebuilt (with half as many memory keys, a tenth as many workflows; 0: skip).")
    var treeTasks = 100_000

    @Flag(help: "Only the YAML tree rebuild (no append runs).")
    var treeOnly = false

    @Option(help: "Measured commands of the follow lag of project yaml --follow, after --warm-up unmeasured ones (0: skip).")
    var followCommands = 3_000

    @Flag(help: "Only the follow lag (no append runs).")
    var followOnly = false

    @Option(
        help:
            "Measured edits of the edit lag of project yaml --follow (a file saved → its command in the log), each beside the same command appended directly (0: skip)."
    )
    var editCount = 300

    @Flag(help: "Only the edit lag (no append runs).")
    var editOnly = false

    @Option(help: "Events in the larger log of the catch-up peak memory figure (the other has half; 0: skip).")
    var catchUpEvents = 1_000_000

    @Option(help: "Entities in both logs of the catch-up figure.")
    var catchUpEntities = 10_000

    @Flag(help: "Only the catch-up peak memory (no append runs).")
    var catchUpOnly = false

    @Option(help: "Events in the log of the Redis catch-up figure (0: skip it).")
    var redisCatchUpEvents = 1_000_000

    @Option(help: "Entities in the log of the Redis catch-up figure.")
    var redisCatchUpEntities = 100_000

    @Option(help: "Requests of the redis-benchmark ceiling beside the Redis catch-up.")
    var redisCeilingRequests = 1_000_000

    @Option(help: "Measured commands of the follow lag of project redis --follow, after 2,000 unmeasured ones (0: skip it).")
    var redisFollowCommands = 50_000

    @Option(help: "Commands per second the appender is fed during the Redis follow lag (a multiple of 1,000).")
    var redisRate = 10_000

    @Option(help: "Tasks in the log the Redis follow lag's projector follows (the lines go over all of them in turns).")
    var redisFollowTasks = 1_000

    @Flag(help: "Only the Redis figures (catch-up, follow lag, HGETALL), on a redis-server the benchmark starts.")
    var redisOnly = false

    @Option(help: "Appenders writing one log at once (0: skip).")
    var appenders = 8

    @Option(help: "Id'd lines each concurrent appender writes.")
    var linesPerAppender = 20_000

    @Flag(
        name: .customLong("open-and-ids-only"),
        help: "Only the open-cost and command-id figures (the open cost on --open-cost-log logs only).")
    var openAndIDsOnly = false

    static let clock = "fixed:2025-06-01T10:00:00Z"

    func validate() throws {
        guard commands >= 8 else { throw ValidationError("--commands must be at least 8") }
        guard interactive >= 1, warmUp >= 0 else { throw ValidationError("--interactive must be at least 1 and --warm-up at least 0") }
        guard idRuns >= 1 else { throw ValidationError("--id-runs must be at least 1") }
        guard followCommands >= 0, catchUpEvents >= 0, editCount >= 0 else {
            throw ValidationError("--follow-commands, --edit-count and --catch-up-events must be 0 or more")
        }
        guard redisCatchUpEvents >= 0, redisFollowCommands >= 0, redisCatchUpEvents == 0 || redisCatchUpEvents >= redisCatchUpEntities,
            redisCatchUpEntities >= 5
        else {
            throw ValidationError(
                "--redis-catch-up-events must be 0 or at least --redis-catch-up-entities (at least 5); --redis-follow-commands 0 or more")
        }
        guard redisRate >= 1_000, redisRate % 1_000 == 0, redisCeilingRequests >= 1, redisFollowTasks >= 1 else {
            throw ValidationError("--redis-rate must be a multiple of 1,000, --redis-ceiling-requests and --redis-follow-tasks at least 1")
        }
        guard !editOnly || editCount > 0 else { throw ValidationError("--edit-only needs an --edit-count above 0") }
        guard catchUpEvents == 0 || catchUpEvents / 2 >= catchUpEntities, catchUpEntities >= 5 else {
            throw ValidationError("--catch-up-events must be at least 10 × --catch-up-entities (at least 5), or 0")
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let files = FileManager.default
        guard files.isExecutableFile(atPath: chronicle) else {
            throw BenchError.missingFile(path: chronicle, hint: "build it with swift build -c release, or pass --chronicle")
        }
        guard let schemaSQL = try? String(contentsOfFile: schema, encoding: .utf8) else {
            throw BenchError.missingFile(path: schema, hint: "run from the package root, or pass --schema")
        }
        let dir = try workDirectory()
        defer {
            if workDir == nil && !keep { try? files.removeItem(atPath: dir) } else { ProgressNote.say("files kept in \(dir)") }
        }
        let environment = childEnvironment()
        let batch = AppendSession().batchLimit
        if openAndIDsOnly {
            print(try openAndIDs(dir: dir, bulkLog: nil, environment: environment))
            return
        }
        if treeOnly {
            print(try treeRebuild(dir: dir, environment: environment))
            return
        }
        if followOnly {
            print(try followLag(dir: dir, environment: environment))
            return
        }
        if editOnly {
            print(try editLag(dir: dir, environment: environment))
            return
        }
        if redisOnly {
            print(try redisFigures(dir: dir, environment: environment))
            return
        }
        if catchUpOnly {
            print(try catchUp(dir: dir, environment: environment))
            return
        }
        if timeTravelOnly {
            if generateOnly {
                try TimeTravelBench.generate(
                    path: "\(dir)/time-travel-commands.txt", commands: timeTravelEvents, entities: timeTravelEntities, seed: seed)
                print("wrote \(dir)/time-travel-commands.txt (\(timeTravelEvents) lines over \(timeTravelEntities) entities)")
                return
            }
            print(try timeTravel(dir: dir, environment: environment))
            return
        }

        // 1. The workload.
        let quarter = commands / 4
        ProgressNote.say("generating \(commands) commands (seed \(seed)) in \(dir)")
        let (all, prefix) = try CommandMix.writeFiles(
            seed: seed, count: commands, path: "\(dir)/commands.txt", prefixCount: quarter, prefixPath: "\(dir)/commands-quarter.txt")
        if generateOnly {
            print(
                "wrote \(dir)/commands.txt (\(all.lines) lines, \(all.eventLines) events) and \(dir)/commands-quarter.txt (\(prefix.lines) lines)"
            )
            return
        }
        let interactiveLines = CommandMix.lines(seed: seed &+ 1, count: warmUp + interactive)

        // 2. Bulk append, a quarter first, then all of it.
        ProgressNote.say("bulk append: \(quarter) commands")
        sync()
        let small = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/commands-quarter.txt", lines: quarter, expectedEvents: prefix.eventLines,
            dbPath: "\(dir)/bulk-quarter.db", acksPath: "\(dir)/acks-quarter.txt", stderrPath: "\(dir)/chronicle.stderr",
            environment: environment)
        ProgressNote.say("  \(Int(small.commandsPerSecond)) commands/s, peak RSS \(ResultTable.mebibytes(small.peakRSSBytes))")
        ProgressNote.say("bulk append: \(commands) commands")
        sync()
        let big = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/commands.txt", lines: commands, expectedEvents: all.eventLines,
            dbPath: "\(dir)/bulk.db", acksPath: "\(dir)/acks.txt", stderrPath: "\(dir)/chronicle.stderr", environment: environment)
        ProgressNote.say("  \(Int(big.commandsPerSecond)) commands/s, peak RSS \(ResultTable.mebibytes(big.peakRSSBytes))")

        // 3. The bulk baselines, on the rows the appender wrote.
        ProgressNote.say("reading the \(big.events) rows of bulk.db")
        let rows = try EventRows(logAt: "\(dir)/bulk.db")
        ProgressNote.say("baseline: raw INSERT, \(RawInsertBaseline.Schema.eventsTable.rawValue), \(batch) rows per transaction")
        let base = try bulkBaseline(rows, schemaSQL, .eventsTable, "\(dir)/baseline.db", batch)
        ProgressNote.say("  \(Int(base.rowsPerSecond)) rows/s")
        ProgressNote.say("baseline: raw INSERT, \(RawInsertBaseline.Schema.full.rawValue), \(batch) rows per transaction")
        let baseFull = try bulkBaseline(rows, schemaSQL, .full, "\(dir)/baseline-full.db", batch)
        ProgressNote.say("  \(Int(baseFull.rowsPerSecond)) rows/s")

        // 4. Interactive: one line, one ack; FULL then NORMAL, each beside its baseline.
        var latency: [String: BenchReport.Latencies] = [:]
        let baselineWarmUp = min(warmUp, rows.count / 2)
        let baselineCount = min(interactive, rows.count - baselineWarmUp)
        for (mode, synchronous) in [("FULL", nil), ("NORMAL", "normal")] as [(String, String?)] {
            ProgressNote.say("interactive append, synchronous=\(mode): \(warmUp) + \(interactive) lines")
            sync()
            let run = try InteractiveAppend.run(
                chronicle: chronicle, lines: interactiveLines, warmUp: warmUp, dbPath: "\(dir)/interactive-\(mode).db",
                synchronous: synchronous, stderrPath: "\(dir)/chronicle.stderr", environment: environment)
            ProgressNote.say("baseline: one INSERT + COMMIT per row, synchronous=\(mode)")
            let db = try RawInsertBaseline.freshDatabase(
                at: "\(dir)/baseline-interactive-\(mode).db", schemaSQL: schemaSQL, schema: .eventsTable, synchronous: mode)
            sync()
            let baseline = try RawInsertBaseline.perRowCommit(rows, into: db, warmUp: baselineWarmUp, count: baselineCount)
            latency[mode] = (run, baseline)
        }

        // 5. The report.
        let report = BenchReport(
            invocation: invocation, schema: schema, batch: batch, workload: all, prefix: prefix, quarter: small, bulk: big,
            baseline: base, baselineFullSchema: baseFull, interactiveLines: interactiveLines.count,
            interactiveFull: latency["FULL"], interactiveNormal: latency["NORMAL"])
        if let warning = report.durabilityWarning { ProgressNote.say("warning: " + warning) }
        print(report.markdown)
        print(try openAndIDs(dir: dir, bulkLog: (path: "\(dir)/bulk.db", events: big.events), environment: environment))
        if treeTasks > 0 { print(try treeRebuild(dir: dir, environment: environment)) }
        if followCommands > 0 { print(try followLag(dir: dir, environment: environment)) }
        if editCount > 0 { print(try editLag(dir: dir, environment: environment)) }
        if catchUpEvents > 0 { print(try catchUp(dir: dir, environment: environment)) }
        if redisCatchUpEvents > 0 || redisFollowCommands > 0 { print(try redisFigures(dir: dir, environment: environment)) }
        if timeTravelEvents > 0 { print(try timeTravel(dir: dir, environment: environment)) }
    }

    /// The YAML tree rebuilt from the log beside the same files written by a loop.
    private func treeRebuild(dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        ProgressNote.say("YAML tree of \(treeTasks) tasks: append, then replay yaml beside writing the same files")
        let r = try TreeRebuild.run(chronicle: chronicle, tasks: treeTasks, dir: dir, environment: environment)
        var table = ResultTable()
        let rate = Double(r.files) / r.seconds
        let baseline = Double(r.files) / r.baselineSeconds
        table.add(
            "full rebuild of the YAML tree, \(T.grouped(Double(treeTasks))) tasks: files/s (seconds, peak RSS)",
            chronicle: "\(T.grouped(rate)) (\(T.fixed(r.seconds, 2)) s, \(T.mebibytes(r.peakRSSBytes)))",
            baseline: "\(T.grouped(baseline)) (\(T.fixed(r.baselineSeconds, 2)) s) same bytes, same files",
            ratio: T.ratio(rate, baseline), target: T.target("≥ 0.5×", met: rate >= 0.5 * baseline))
        return """

            ## The YAML tree

            \(table.markdown)
            - \(T.grouped(Double(r.files))) files, \(T.grouped(Double(r.bytes))) bytes; chronicle: `\(r.commandLine)` (a fresh process: opening the log, folding every task, memory key and workflow from the newest snapshot, rendering, writing); baseline: the same files' bytes written in process, each to a temporary name beside it and renamed, directories made as needed.
            """
    }

    /// The open cost on the bulk log and on each `--open-cost-log`, lazily beside folding
    /// everything; bulk append with ids beside without; concurrent appenders beside one.
    private func openAndIDs(dir: String, bulkLog: (path: String, events: Int)?, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        var table = ResultTable()
        var logs: [(path: String, events: Int)] = bulkLog.map { [$0] } ?? []
        for path in openCostLog {
            logs.append((path, Int(try RawDatabase(path: path, readOnly: true).integer("SELECT count(*) FROM events"))))
        }
        var commandLines: [String] = []
        for log in logs {
            ProgressNote.say("open cost on \(log.path) (\(log.events) events): \(openRuns) fresh processes each way")
            let lazy = try OpenCost.run(
                chronicle: chronicle, dbPath: log.path, foldEverything: false, runs: openRuns, workDir: dir, environment: environment)
            // Folding a 10M-event log takes most of a minute: once is enough there.
            let full = try OpenCost.run(
                chronicle: chronicle, dbPath: log.path, foldEverything: true, runs: log.events > 2_000_000 ? 1 : openRuns, workDir: dir,
                environment: environment)
            let met = lazy.median < 50 && lazy.peakRSSBytes < 64 * 1_048_576
            table.add(
                "one line appended by a fresh process, \(T.grouped(Double(log.events)))-event log: median wall, peak RSS",
                chronicle: "\(T.fixed(lazy.median, 0)) ms, \(T.mebibytes(lazy.peakRSSBytes))",
                baseline: "\(T.fixed(full.median, 0)) ms, \(T.mebibytes(full.peakRSSBytes))", ratio: T.ratio(lazy.median, full.median),
                target: T.target("< 50 ms, < 64 MiB", met: met))
            commandLines += [lazy.commandLine, full.commandLine]
        }
        if idLines > 0 {
            ProgressNote.say("bulk append of \(idLines) lines with and without command ids")
            let pairs = try IdentifiedAppend.bulk(chronicle: chronicle, count: idLines, runs: idRuns, dir: dir, environment: environment)
            let ratios = pairs.ratios
            let peak = { (results: [BulkAppend.Result]) in T.mebibytes(results.map(\.peakRSSBytes).max() ?? 0) }
            table.add(
                "bulk append, \(T.grouped(Double(idLines))) `[id=c-N] ms:` lines, median of \(idRuns) runs in turns: commands/s (µs CPU/cmd, peak RSS)",
                chronicle:
                    "\(T.grouped(pairs.medianIdentified)) (\(T.fixed(pairs.identifiedCPUPerCommand * 1e6, 2)) µs, \(peak(pairs.identified)))",
                baseline:
                    "\(T.grouped(pairs.medianPlain)) (\(T.fixed(pairs.plainCPUPerCommand * 1e6, 2)) µs, \(peak(pairs.plain))) without ids",
                ratio: "×\(T.fixed(pairs.medianRatio, 2)) (pairs \(T.fixed(ratios.min() ?? .nan, 2))–\(T.fixed(ratios.max() ?? .nan, 2)))",
                target: T.target("≥ 0.8×", met: pairs.medianRatio >= 0.8))
            if let last = pairs.identified.last, let plain = pairs.plain.last { commandLines += [last.commandLine, plain.commandLine] }
        }
        if appenders > 0 {
            ProgressNote.say("\(appenders) appenders × \(linesPerAppender) id'd lines on one log at once")
            let c = try IdentifiedAppend.concurrent(
                chronicle: chronicle, appenders: appenders, linesEach: linesPerAppender, dir: dir, environment: environment)
            let together = Double(c.total) / c.seconds
            let one = Double(c.total) / c.oneAppenderSeconds
            table.add(
                "\(c.appenders) appenders at once on one log, \(T.grouped(Double(c.linesEach))) id'd lines each: total commands/s",
                chronicle: "\(T.grouped(together)) (\(T.fixed(c.seconds, 1)) s)",
                baseline: "\(T.grouped(one)) (\(T.fixed(c.oneAppenderSeconds, 1)) s) one appender, all lines",
                ratio: T.ratio(together, one),
                target: T.target("≥ 0.5×", met: together >= 0.5 * one))
            commandLines.append(c.commandLine)
        }
        return """

            ## Opening a log, command ids, concurrent appenders

            \(table.markdown)
            - open cost: baseline = the same line appended by a fresh process that folds every event of the log at open (`--open-by-folding-everything`, the open of earlier versions), measured in the same run; \(openRuns) processes each way (one folding process on a log over 2,000,000 events), median wall time from spawn to exit, highest peak RSS (VmHWM).
            - command lines: \(commandLines.map { "`\($0)`" }.joined(separator: "; ")).
            """
    }

    private func timeTravel(dir: String, environment: [String: String]) throws -> String {
        let r = try TimeTravelBench.run(
            chronicle: chronicle, dir: dir, events: timeTravelEvents, entities: timeTravelEntities, seed: seed, environment: environment,
            existingLog: timeTravelLog)
        typealias T = ResultTable
        var table = ResultTable()
        let replay = Double(r.events) / r.replaySeconds
        let raw = Double(r.events) / r.rawReadSeconds
        table.add(
            "full replay of every entity's state, \(T.grouped(Double(r.events))) events (\(r.replayPasses) pass)",
            chronicle: "\(T.grouped(replay)) events/s",
            baseline: "\(T.grouped(raw)) rows/s", ratio: T.ratio(replay, raw),
            target: T.target("≥ 1,000,000 events/s", met: replay >= 1_000_000))
        let smallPasses = Double(r.events) / r.smallPassesSeconds
        table.add(
            "the same, at most 100,000 events per pass (\(r.smallPasses) passes)", chronicle: "\(T.grouped(smallPasses)) events/s",
            baseline: "\(T.grouped(raw)) rows/s", ratio: T.ratio(smallPasses, raw))
        table.add(
            "as-of query of one entity, random (valid, known), p50", chronicle: "\(T.fixed(r.oneEntity.p50, 3)) ms")
        table.add(
            "as-of query of one entity, random (valid, known), p99", chronicle: "\(T.fixed(r.oneEntity.p99, 3)) ms",
            target: T.target("< 1 ms", met: r.oneEntity.p99 < 1))
        let snap = LatencySummary(r.allTasksFromSnapshots)
        table.add(
            "all tasks as of a random point, from snapshots: p50 / p99 / max of 20",
            chronicle: "\(T.fixed(snap.p50, 1)) / \(T.fixed(snap.p99, 1)) / \(T.fixed(r.allTasksFromSnapshots.max()!, 1)) ms",
            target: T.target("< 200 ms", met: snap.p99 < 200))
        let sorted = r.allTasksMilliseconds.sorted()
        let slowestIndex = r.allTasksFromSnapshots.indices.max { r.allTasksFromSnapshots[$0] < r.allTasksFromSnapshots[$1] }!
        let slowestPlan = r.snapshotPlans[slowestIndex]
        let slowest =
            "\(T.fixed(r.allTasksFromSnapshots[slowestIndex], 1)) ms, "
            + (slowestPlan.snapshot.map { "from the snapshot at #\($0), " } ?? "no usable snapshot, ")
            + "\(T.grouped(Double(slowestPlan.laterEvents))) later events read, \(slowestPlan.refolded) streams refolded"
        table.add(
            "all tasks as of a random point, no snapshots (\(T.grouped(Double(r.taskEvents))) task events): median / max of 5",
            chronicle: "\(T.fixed(sorted[sorted.count / 2], 1)) / \(T.fixed(sorted.last!, 1)) ms")
        table.add(
            "`chronicle query tasks --format json`: wall time, peak RSS",
            chronicle: "\(T.fixed(r.cliAllTasks.seconds * 1000, 0)) ms, \(T.mebibytes(r.cliAllTasks.peakRSSBytes))")
        table.add(
            "the same with `--no-snapshots` (a replay of every task event): wall time, peak RSS",
            chronicle: "\(T.fixed(r.cliReplayTasks.seconds * 1000, 0)) ms, \(T.mebibytes(r.cliReplayTasks.peakRSSBytes))")
        return """

            ## Time travel

            \(table.markdown)
            - log: \(r.generation), written by `chronicle append`: \(T.grouped(Double(r.events))) events in \(T.grouped(Double(r.entities))) streams.
            - replay: `Replay.run` for tasks, memory and workflows as of the newest event, in process: every event read in one scan, decoded and folded, from the first event (no snapshot); answers equal with small passes, checked. Baseline: the same columns of every row read by one prepared `SELECT … ORDER BY seq` (nothing decoded).
            - snapshots: \(r.snapshots) per kind (of the current format), \(r.existingLog ? "as stored in the log" : "taken by `chronicle append` in the background (every \(T.grouped(Double(Snapshotter.defaultEvery))) events)"); from them, each all-tasks query read \(T.grouped(r.snapshotPlans.map { Double($0.laterEvents) }.reduce(0, +) / Double(r.snapshotPlans.count))) later events and refolded \(T.fixed(r.snapshotPlans.map { Double($0.refolded) }.reduce(0, +) / Double(r.snapshotPlans.count), 0)) stale streams on average (\(r.snapshotPlans.filter { $0.snapshot == nil }.count) of 20 points had no usable snapshot). The slowest: \(slowest). Same answers with and without snapshots, checked.
            - one entity: 2,000 queries, each a random stream and a random valid time and known-at (a time or a `#SEQ`) in the recorded span, in process.
            - CLI: `\(r.cliAllTasks.commandLine)`.
            """
    }

    private func bulkBaseline(_ rows: EventRows, _ schemaSQL: String, _ schema: RawInsertBaseline.Schema, _ path: String, _ batch: Int)
        throws -> RawInsertBaseline.BulkResult
    {
        let db = try RawInsertBaseline.freshDatabase(at: path, schemaSQL: schemaSQL, schema: schema, synchronous: "FULL")
        sync()
        let result = try RawInsertBaseline.bulk(rows, into: db, batch: batch)
        let count = try db.integer("SELECT count(*) FROM events")
        guard count == rows.count else {
            throw BenchError.ackMismatch(what: path, detail: "\(count) rows after inserting \(rows.count)")
        }
        return result
    }

    /// Our environment without any `CHRONICLE_*` setting, plus the fixed test clock.
    private func childEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHRONICLE_") }
        environment["CHRONICLE_CLOCK"] = Self.clock
        return environment
    }

    private func workDirectory() throws -> String {
        if let workDir {
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            return workDir
        }
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/chronicle-bench.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError.system(call: "mkdtemp", errno: errno)
        }
        return String(cString: made)
    }

    /// The command line that produced the report (`tools/bench …` when run through it).
    private var invocation: String {
        if let outer = ProcessInfo.processInfo.environment["CHRONICLE_BENCH_INVOCATION"], !outer.isEmpty { return outer }
        return CommandLine.arguments.map(ChildProcess.quoted).joined(separator: " ")
    }
}
