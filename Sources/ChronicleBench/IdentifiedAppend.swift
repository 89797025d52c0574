import Foundation

/// Command ids on the append path: bulk append of lines with an `[id=…]` envelope beside the
/// same lines without one, and several appenders writing id'd lines to one log at once beside
/// one appender writing all of them.
enum IdentifiedAppend {
    /// `ms:` lines over a few thousand keys; with `ids`, each behind `[id=PREFIX-N]`.
    static func lines(count: Int, ids: String?) -> String {
        var out = ""
        out.reserveCapacity(count * 48)
        for i in 0..<count {
            if let ids { out += "[id=\(ids)-\(i)] " }
            out += "ms:key_\(i % 5_000)|v\(i)|semantic\n"
        }
        return out
    }

    /// Runs of the same lines with and without ids, taken in turns (plain, then identified).
    struct Pairs {
        var plain: [BulkAppend.Result]
        var identified: [BulkAppend.Result]

        /// Identified commands/s over plain commands/s, run by run (each pair ran back to back).
        var ratios: [Double] { zip(identified, plain).map { $0.commandsPerSecond / $1.commandsPerSecond } }
        var medianRatio: Double { Self.median(ratios) }
        var medianPlain: Double { Self.median(plain.map(\.commandsPerSecond)) }
        var medianIdentified: Double { Self.median(identified.map(\.commandsPerSecond)) }
        /// CPU time (user + system, every thread) per command, median.
        var plainCPUPerCommand: Double { Self.median(plain.map { $0.cpuSeconds / Double($0.commands) }) }
        var identifiedCPUPerCommand: Double { Self.median(identified.map { $0.cpuSeconds / Double($0.commands) }) }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
    }

    /// The same `count` lines appended with and without ids, each run into a fresh log, `runs`
    /// times in turns: on a noisy machine one pair can be off by a third either way.
    static func bulk(chronicle: String, count: Int, runs: Int, dir: String, environment: [String: String]) throws -> Pairs {
        let plainPath = "\(dir)/plain-lines.txt"
        let idPath = "\(dir)/identified-lines.txt"
        try Data(lines(count: count, ids: nil).utf8).write(to: URL(fileURLWithPath: plainPath))
        try Data(lines(count: count, ids: "c").utf8).write(to: URL(fileURLWithPath: idPath))
        var pairs = Pairs(plain: [], identified: [])
        for _ in 0..<runs {
            for (path, name) in [(plainPath, "plain"), (idPath, "identified")] {
                let db = "\(dir)/\(name).db"  // BulkAppend.run starts it afresh
                sync()
                let result = try BulkAppend.run(
                    chronicle: chronicle, commandsPath: path, lines: count, expectedEvents: count, dbPath: db,
                    acksPath: "\(dir)/\(name)-acks.txt", stderrPath: "\(dir)/chronicle.stderr", environment: environment)
                if name == "plain" { pairs.plain.append(result) } else { pairs.identified.append(result) }
            }
        }
        return pairs
    }

    struct Concurrent {
        var appenders: Int
        var linesEach: Int
        /// All appenders at once, from the first start to the last exit.
        var seconds: Double
        /// One appender, all the lines in one input.
        var oneAppenderSeconds: Double
        var commandLine: String
        var total: Int { appenders * linesEach }
    }

    /// `appenders` processes each append `linesEach` id'd lines (ids of their own) to one new
    /// log at once; then one process appends all of them to another new log.
    static func concurrent(chronicle: String, appenders: Int, linesEach: Int, dir: String, environment: [String: String]) throws
        -> Concurrent
    {
        var all = ""
        for a in 0..<appenders {
            let text = lines(count: linesEach, ids: "a\(a)")
            all += text
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/appender-\(a).txt"))
        }
        try Data(all.utf8).write(to: URL(fileURLWithPath: "\(dir)/appenders-all.txt"))
        let db = "\(dir)/concurrent.db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        // The log exists before they start (the open of a new log is measured elsewhere).
        try seed(chronicle: chronicle, db: db, dir: dir, environment: environment)
        sync()
        let watch = Stopwatch()
        var children: [ChildProcess] = []
        for a in 0..<appenders {
            children.append(
                try ChildProcess(
                    executable: chronicle, arguments: ["append", "--db", db], environment: environment,
                    stdin: .file("\(dir)/appender-\(a).txt"), stdout: .file("\(dir)/appender-\(a).acks"),
                    stderrPath: "\(dir)/appender-\(a).stderr"))
        }
        for (a, child) in children.enumerated() {
            let end = try child.wait()
            guard end.exitedNormally else {
                throw BenchError.childFailed(
                    what: "chronicle append (appender \(a))", status: end.summary, stderrPath: "\(dir)/appender-\(a).stderr")
            }
        }
        let seconds = watch.elapsedSeconds
        for a in 0..<appenders { try BulkAppend.checkAcks(at: "\(dir)/appender-\(a).acks", expected: linesEach) }
        let events = try RawDatabase(path: db, readOnly: true).integer("SELECT count(*) FROM events")
        guard events == appenders * linesEach + 1 else {
            throw BenchError.ackMismatch(what: db, detail: "\(events) events after \(appenders) × \(linesEach) lines and one seed line")
        }
        sync()
        let one = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/appenders-all.txt", lines: appenders * linesEach,
            expectedEvents: appenders * linesEach, dbPath: "\(dir)/one-appender.db", acksPath: "\(dir)/one-appender.acks",
            stderrPath: "\(dir)/chronicle.stderr", environment: environment)
        return Concurrent(
            appenders: appenders, linesEach: linesEach, seconds: seconds, oneAppenderSeconds: one.seconds,
            commandLine: "\(appenders) × chronicle append --db \(db) < \(dir)/appender-N.txt, at once")
    }

    private static func seed(chronicle: String, db: String, dir: String, environment: [String: String]) throws {
        try Data("ms:seed|0|semantic\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/seed.txt"))
        let child = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", db], environment: environment, stdin: .file("\(dir)/seed.txt"),
            stdout: .file("\(dir)/seed.acks"), stderrPath: "\(dir)/chronicle.stderr")
        let end = try child.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (seed line)", status: end.summary, stderrPath: "\(dir)/chronicle.stderr")
        }
    }
}
