import ChronicleCore
import ChronicleStore
import Foundation
import GRDBSQLite
import Logging

/// The time-travel figures: a generated log of `events` events over `entities` entities (tasks,
/// memory keys and workflows; a few late-arriving and future-dated events), written by
/// `chronicle append`, then read in process: a full replay of every entity's state, as-of
/// queries of one entity at random (valid, known) points, and all tasks at random points —
/// each beside a raw-SQLite read of the same rows. The all-tasks query runs from the snapshots
/// `chronicle append` took by itself (every 50,000 events, the default), and without them.
struct TimeTravelBench {
    struct Result {
        var events: Int
        var entities: Int
        var replaySeconds: Double
        var replayPasses: Int
        var smallPassesSeconds: Double
        var smallPasses: Int
        var rawReadSeconds: Double
        var oneEntity: LatencySummary
        var allTasksMilliseconds: [Double]
        var allTasksFromSnapshots: [Double]
        var snapshotPlans: [LogQuery.Plan]
        var snapshots: Int
        var taskEvents: Int
        var cliAllTasks: (seconds: Double, peakRSSBytes: Int, commandLine: String)
        var cliReplayTasks: (seconds: Double, peakRSSBytes: Int, commandLine: String)
        var generation: String
        /// Measured on a log given with `--time-travel-log`, not generated.
        var existingLog: Bool
    }

    static func run(
        chronicle: String, dir: String, events: Int, entities: Int, seed: UInt64, environment: [String: String], existingLog: String?
    ) throws -> Result {
        let dbPath: String
        var generation =
            "\(events) commands over \(entities) entities (40% tasks, 40% memory keys, 20% workflows), 2% late by up to an hour, 1% dated a day ahead"
        if let existingLog {
            dbPath = existingLog
            generation = "the log at \(existingLog) (--time-travel-log)"
        } else {
            let commandsPath = "\(dir)/time-travel-commands.txt"
            dbPath = "\(dir)/time-travel.db"
            ProgressNote.say("time travel: generating \(events) commands over \(entities) entities")
            try generate(path: commandsPath, commands: events, entities: entities, seed: seed)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
            let append = try ChildProcess(
                executable: chronicle, arguments: ["append", "--db", dbPath], environment: environment,
                stdin: .file(commandsPath), stdout: .file("/dev/null"), stderrPath: "\(dir)/chronicle.stderr")
            guard try append.wait().exitedNormally else {
                throw BenchError.childFailed(
                    what: "chronicle append (time-travel log)", status: "failed", stderrPath: "\(dir)/chronicle.stderr")
            }
        }

        let log = try EventLog(path: dbPath, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let query = LogQuery(log: log)
        let raw = try RawDatabase(path: dbPath, readOnly: true)
        let stored = Int(try raw.integer("SELECT count(*) FROM events"))
        let taskEvents = Int(try raw.integer("SELECT count(*) FROM events WHERE stream >= 'task/' AND stream < 'task0'"))
        let start = Timestamp(microseconds: try raw.integer("SELECT recorded_at FROM events ORDER BY seq LIMIT 1"))
        let end = Timestamp(microseconds: try raw.integer("SELECT recorded_at FROM events ORDER BY seq DESC LIMIT 1"))

        // 1. Full replay: every entity of every kind from the first event, as of the newest one;
        //    then again with passes of at most 100,000 events (what a log too long for one pass does).
        ProgressNote.say("time travel: full replay of \(stored) events")
        let kinds: [EntityKind] = [.task, .memory, .workflow]
        var watch = Stopwatch()
        let tip = try raw.integer("SELECT max(seq) FROM events")
        let replay = try log.read { tx in try Replay().run(kinds, validAt: end, position: tip, tx) }
        let replaySeconds = watch.elapsedSeconds
        let folded = replay.snapshots.map(\.entities.count).reduce(0, +)
        guard folded > 0 else { throw BenchError.ackMismatch(what: dbPath, detail: "no entity after replay") }
        watch = Stopwatch()
        let small = try log.read { tx in try Replay(eventsPerPass: 100_000).run(kinds, validAt: end, position: tip, tx) }
        let smallPassesSeconds = watch.elapsedSeconds
        guard small.snapshots == replay.snapshots else {
            throw BenchError.ackMismatch(what: dbPath, detail: "replay with small passes differs")
        }

        // 2. The baseline: the same columns of every row, read with a prepared SELECT in seq order
        //    (the order the replay reads in), nothing decoded.
        watch = Stopwatch()
        var bytes = 0
        try raw.eachRow(
            "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, codec, payload, command_id FROM events ORDER BY seq"
        ) { h in
            bytes +=
                Int(sqlite3_column_bytes(h, 1)) + Int(sqlite3_column_bytes(h, 3)) + Int(sqlite3_column_bytes(h, 8))
                + Int(sqlite3_column_bytes(h, 9))
        }
        let rawReadSeconds = watch.elapsedSeconds

        // 3. One entity at random points.
        ProgressNote.say("time travel: 2,000 as-of queries of one entity")
        var rng = SystemRandomNumberGenerator()
        let streams = try raw.strings("SELECT DISTINCT stream FROM events").compactMap(StreamID.init)
        var latencies: [Double] = []
        for _ in 0..<2_000 {
            let stream = streams.randomElement(using: &rng)!
            let point = AsOf(
                valid: Timestamp(microseconds: Int64.random(in: start.microseconds...end.microseconds, using: &rng)),
                known: Bool.random(using: &rng)
                    ? .time(Timestamp(microseconds: Int64.random(in: start.microseconds...end.microseconds, using: &rng)))
                    : .position(Int64.random(in: 1...Int64(stored), using: &rng)))
            let w = Stopwatch()
            _ = try query.entity(stream, asOf: point)
            latencies.append(w.elapsedMilliseconds)
        }

        // 4. All tasks at random points: from the snapshots, then (5 of the points) without them.
        let snapshots = Int(try raw.integer("SELECT count(*) FROM snapshots WHERE kind = 'task' AND format = \(Snapshot.formatVersion)"))
        ProgressNote.say("time travel: all tasks at 20 random points, from \(snapshots) task snapshots and without")
        var allTasks: [Double] = []
        var fromSnapshots: [Double] = []
        var plans: [LogQuery.Plan] = []
        for i in 0..<20 {
            let t = Timestamp(microseconds: Int64.random(in: start.microseconds...end.microseconds, using: &rng))
            var w = Stopwatch()
            let (answer, plan) = try query.entitiesAndPlan(.task, asOf: AsOf(valid: t, known: .time(t)))
            fromSnapshots.append(w.elapsedMilliseconds)
            plans.append(plan)
            guard i < 5 else { continue }
            w = Stopwatch()
            let folded = try query.entities(.task, asOf: AsOf(valid: t, known: .time(t)), useSnapshots: false)
            allTasks.append(w.elapsedMilliseconds)
            guard folded == answer else {
                throw BenchError.ackMismatch(what: dbPath, detail: "all tasks at \(t.rfc3339) differ with and without snapshots")
            }
        }

        // 5. The command line, as a user runs it: time and peak memory, from the snapshots and
        //    from the first event.
        func cli(_ extra: [String]) throws -> (seconds: Double, peakRSSBytes: Int, commandLine: String) {
            let watch = Stopwatch()
            let child = try ChildProcess(
                executable: chronicle, arguments: ["query", "tasks", "--db", dbPath, "--format", "json"] + extra, environment: environment,
                stdin: .file("/dev/null"), stdout: .file("/dev/null"), stderrPath: "\(dir)/chronicle.stderr")
            let ended = try child.wait()
            guard ended.exitedNormally else {
                throw BenchError.childFailed(what: "chronicle query tasks", status: ended.summary, stderrPath: "\(dir)/chronicle.stderr")
            }
            return (watch.elapsedSeconds, ended.peakRSSBytes, child.commandLine)
        }
        return Result(
            events: stored, entities: streams.count, replaySeconds: replaySeconds, replayPasses: replay.report.passes,
            smallPassesSeconds: smallPassesSeconds, smallPasses: small.report.passes, rawReadSeconds: rawReadSeconds,
            oneEntity: LatencySummary(latencies), allTasksMilliseconds: allTasks, allTasksFromSnapshots: fromSnapshots,
            snapshotPlans: plans, snapshots: snapshots, taskEvents: taskEvents,
            cliAllTasks: try cli([]), cliReplayTasks: try cli(["--no-snapshots"]), generation: generation, existingLog: existingLog != nil)
    }

    /// Creates every entity, then changes random ones; valid time is the recorded time except
    /// for 2% of the lines (up to an hour late) and 1% (a day ahead).
    static func generate(path: String, commands: Int, entities: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let tasks = entities * 2 / 5, memories = entities * 2 / 5, workflows = entities - tasks - memories
        let start = Timestamp(rfc3339: "2025-06-01T10:00:00Z")!
        var out = ""
        out.reserveCapacity(commands * 48)
        for i in 0..<tasks {
            out += #"{"cmd":"task.create","id":"t\#(i)","title":"Task \#(i)","intent":"feature","complexity":"medium"}"# + "\n"
        }
        for i in 0..<memories { out += "ms:m\(i)|v0|semantic\n" }
        for i in 0..<workflows { out += #"{"cmd":"workflow.start","workflow":"deploy","instance_id":"w\#(i)"}"# + "\n" }
        for line in entities..<max(entities, commands) {
            let roll = Int.random(in: 0..<100, using: &rng)
            let recorded = start.advanced(by: Int64(line) * FixedClock.step)
            if roll < 2 {
                out += "[valid=\(recorded.advanced(by: -Int64.random(in: 1...3_600_000_000, using: &rng)).rfc3339)] "
            } else if roll < 3 {
                out += "[valid=\(recorded.advanced(by: 86_400_000_000).rfc3339)] "
            }
            let progress = "0.\(Int.random(in: 1...9, using: &rng))"
            switch Int.random(in: 0..<5, using: &rng) {
            case 0, 1: out += "su:t\(Int.random(in: 0..<tasks, using: &rng))|in_progress|\(progress)\n"
            case 2, 3: out += "ms:m\(Int.random(in: 0..<memories, using: &rng))|v\(line)|semantic\n"
            default: out += "su:w\(Int.random(in: 0..<workflows, using: &rng))|running|\(progress)\n"
            }
        }
        try out.write(toFile: path, atomically: false, encoding: .utf8)
    }
}
