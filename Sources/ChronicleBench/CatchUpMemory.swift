import Foundation

/// The peak memory of a catch-up, `chronicle project yaml DIR --db LOG` into an empty DIR, on
/// a log of `events` events and on a log of the same entities with half the events: a catch-up
/// that holds entities, not events, peaks at about the same RSS on both (one that held events
/// would need twice as much). Half, not a tenth: both logs of the default size are larger than
/// the log connection's 64 MiB SQLite page cache, which a smaller log fills only to its size.
///
/// Both logs are written by `chronicle append --snapshot-every 0` from generated commands
/// (every entity created first, then updates of random ones), so that the catch-up folds
/// every event from the first one instead of starting from a stored snapshot.
enum CatchUpMemory {
    struct Run {
        var events: Int
        var files: Int
        var seconds: Double
        var peakRSSBytes: Int
        /// The size of the log's file.
        var logBytes: Int
        var commandLine: String
        var eventsPerSecond: Double { Double(events) / seconds }
    }

    struct Result {
        var entities: Int
        /// The log of half the events.
        var small: Run
        var large: Run
        var appendCommandLine: String
    }

    static func run(chronicle: String, dir: String, events: Int, entities: Int, seed: UInt64, environment: [String: String]) throws
        -> Result
    {
        var runs: [Run] = []
        var appendCommandLine = ""
        for count in [events / 2, events] {
            let log = "\(dir)/catch-up-\(count).db"
            ProgressNote.say("catch-up: appending \(count) commands over \(entities) entities (no snapshots)")
            appendCommandLine = try writeLog(
                log, chronicle: chronicle, dir: dir, events: count, entities: entities, seed: seed, environment: environment)

            let tree = "\(dir)/catch-up-tree"
            try? FileManager.default.removeItem(atPath: tree)
            ProgressNote.say("catch-up: chronicle project yaml of \(count) events into an empty directory")
            sync()
            let watch = Stopwatch()
            let project = try ChildProcess(
                executable: chronicle, arguments: ["project", "yaml", tree, "--db", log], environment: environment,
                stdin: .file("/dev/null"), stdout: .file("/dev/null"), stderrPath: "\(dir)/project.stderr")
            let end = try project.wait()
            let seconds = watch.elapsedSeconds
            guard end.exitedNormally else {
                throw BenchError.childFailed(
                    what: "chronicle project yaml (catch-up)", status: end.summary, stderrPath: "\(dir)/project.stderr")
            }
            let files = try FileManager.default.subpathsOfDirectory(atPath: tree).filter { $0.hasSuffix(".yaml") }.count
            guard files == entities else { throw BenchError.ackMismatch(what: tree, detail: "\(files) files for \(entities) entities") }
            let logBytes = (try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
            runs.append(
                Run(
                    events: count, files: files, seconds: seconds, peakRSSBytes: end.peakRSSBytes, logBytes: logBytes,
                    commandLine: project.commandLine))
            ProgressNote.say("  \(Int(runs.last!.eventsPerSecond)) events/s, peak RSS \(ResultTable.mebibytes(end.peakRSSBytes))")
        }
        return Result(entities: entities, small: runs[0], large: runs[1], appendCommandLine: appendCommandLine)
    }

    /// Writes the log at `log` (`LOG.txt` beside it holds its commands): `events` commands of
    /// ``generate(path:commands:entities:seed:)`` appended by `chronicle append --snapshot-every
    /// 0`, each acked, one event each. Returns the append's command line.
    static func writeLog(
        _ log: String, chronicle: String, dir: String, events: Int, entities: Int, seed: UInt64, environment: [String: String]
    ) throws -> String {
        let commands = log + ".txt"
        try generate(path: commands, commands: events, entities: entities, seed: seed)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log + suffix) }
        let acks = log + ".acks"
        let append = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", log, "--snapshot-every", "0"], environment: environment,
            stdin: .file(commands), stdout: .file(acks), stderrPath: "\(dir)/chronicle.stderr")
        let appended = try append.wait()
        guard appended.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (\(log))", status: appended.summary, stderrPath: "\(dir)/chronicle.stderr")
        }
        try BulkAppend.checkAcks(at: acks, expected: events)
        let stored = Int(try RawDatabase(path: log, readOnly: true).integer("SELECT count(*) FROM events"))
        guard stored == events else { throw BenchError.ackMismatch(what: log, detail: "\(stored) events, \(events) commands") }
        return append.commandLine
    }

    /// Creates every entity (40% tasks, 40% memory keys, 20% workflow instances, none naming a
    /// context path), then updates random ones: `su:` on a task or a workflow, `ms:` on a key.
    /// Every line appends one event; recorded time is valid time (nothing late, nothing ahead).
    static func generate(path: String, commands: Int, entities: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let tasks = entities * 2 / 5, memories = entities * 2 / 5, workflows = entities - tasks - memories
        var out = ""
        out.reserveCapacity(commands * 40)
        for i in 0..<tasks {
            out += #"{"cmd":"task.create","id":"t\#(i)","title":"Task \#(i)","intent":"feature","complexity":"medium"}"# + "\n"
        }
        for i in 0..<memories { out += "ms:m\(i)|v0|semantic\n" }
        for i in 0..<workflows { out += #"{"cmd":"workflow.start","workflow":"deploy","instance_id":"w\#(i)"}"# + "\n" }
        for line in entities..<max(entities, commands) {
            let progress = "0.\(1 + rng.below(9))"
            switch rng.below(5) {
            case 0, 1: out += "su:t\(rng.below(tasks))|in_progress|\(progress)\n"
            case 2, 3: out += "ms:m\(rng.below(memories))|v\(line)|semantic\n"
            default: out += "su:w\(rng.below(workflows))|running|\(progress)\n"
            }
        }
        try out.write(toFile: path, atomically: false, encoding: .utf8)
    }
}
