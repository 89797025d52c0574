import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The follow lag of `chronicle project yaml DIR --follow`: how long after `chronicle append`
/// acks a command its file is in place in the tree with the new content.
///
/// A log of ``entities`` entities (half tasks, half memory keys, created in bulk) is followed
/// by the projector; then a fresh `chronicle append` is fed one line at a time, each written
/// after the ack of the one before and no sooner than its slot of a 1 ms grid (about 1,000
/// commands/s), each line an `su:` on a task or an `ms:` on a memory key, in turns over all
/// of them, so that each changes one file and no file twice within a second. The lag of a
/// command runs from the moment its ack is read to the moment the benchmark learns (inotify's
/// `IN_MOVED_TO` on `tasks/` and `memory/`) that its file was renamed into place holding the
/// command's revision (`revision: N`) or a later one; a file in place before its ack came
/// back counts 0. The baseline is the same measurement with ``FloorFollower`` in the
/// projector's place, on the same log: its file holds the head's seq.
enum FollowLag {
    static let entities = 1_000
    /// The pace of the appender: a line per slot, nanoseconds.
    static let slotNanoseconds: UInt64 = 1_000_000

    struct Run {
        /// Milliseconds from ack to file in place, one per measured command (0 when the file came first).
        var lags: [Double]
        /// How many of them had the file in place before the ack was read.
        var fileFirst: Int
        /// Milliseconds from writing a line to reading its ack.
        var ackLatencies: [Double]
        /// Measured commands per second of wall time.
        var rate: Double
    }

    struct Result {
        var chronicle: Run
        var floor: Run
        var commands: Int
        var projectorCommandLine: String
        var appenderCommandLine: String
    }

    static func run(chronicle: String, dir: String, commands: Int, warmUp: Int, environment: [String: String]) throws -> Result {
        // The log in a directory of its own: the projector's inotify watch sees nothing else.
        let logDirectory = "\(dir)/follow-log"
        try? FileManager.default.removeItem(atPath: logDirectory)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let log = "\(logDirectory)/follow.db"
        var setup = ""
        for k in 0..<entities / 2 {
            setup += #"{"cmd":"task.create","id":"ft\#(k)","title":"Follow task \#(k)","intent":"feature","complexity":"low"}"# + "\n"
            setup += "ms:fm\(k)|created|semantic\n"
        }
        try Data(setup.utf8).write(to: URL(fileURLWithPath: "\(dir)/follow-setup.txt"))
        let created = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/follow-setup.txt", lines: entities, expectedEvents: entities, dbPath: log,
            acksPath: "\(dir)/follow-setup.acks", stderrPath: "\(dir)/chronicle.stderr", environment: environment)
        var revisions = [Int](repeating: 1, count: entities)
        var seq = Int(created.events)

        // 1. chronicle project yaml --follow.
        ProgressNote.say("follow lag: chronicle project yaml --follow, \(warmUp) + \(commands) commands at ≤ 1,000/s")
        let tree = "\(dir)/follow-tree"
        try? FileManager.default.removeItem(atPath: tree)
        let projector = try ChildProcess(
            executable: chronicle, arguments: ["project", "yaml", tree, "--db", log, "--follow"], environment: environment,
            stdin: .file("/dev/null"), stdout: .file("/dev/null"), stderrPath: "\(dir)/project.stderr")
        try waitUntilFollowing(tree: tree, projector: projector, stderrPath: "\(dir)/project.stderr")
        let treeWatch = try RenameWatch(root: tree, directories: ["tasks", "memory"])
        let (lines, paths) = workload(first: 0, count: warmUp + commands)
        let expected = zip(lines.indices, paths).map { i, path in
            let e = i % entities
            revisions[e] += 1
            return (path: path, level: revisions[e])
        }
        var appenderCommandLine = ""
        let measured = try measure(
            chronicle: chronicle, log: log, lines: lines, expected: expected, warmUp: warmUp, watch: treeWatch, root: tree,
            level: revision, dir: dir, environment: environment, trace: "\(dir)/follow-lag-chronicle.csv",
            commandLine: &appenderCommandLine)
        seq += lines.count
        kill(projector.pid, SIGINT)
        let end = try projector.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle project yaml --follow", status: end.summary, stderrPath: "\(dir)/project.stderr")
        }

        // 2. The floor, on the same log: its file holds the head's seq.
        ProgressNote.say("follow lag: baseline (an in-bench inotify follower writing one file), \(warmUp) + \(commands) commands")
        let floorDirectory = "\(dir)/follow-floor"
        try? FileManager.default.removeItem(atPath: floorDirectory)
        try FileManager.default.createDirectory(atPath: floorDirectory, withIntermediateDirectories: true)
        let floor = try FloorFollower(logPath: log, directory: floorDirectory)
        floor.start()
        let floorWatch = try RenameWatch(root: dir, directories: ["follow-floor"])
        let (floorLines, _) = workload(first: lines.count, count: warmUp + commands)
        let floorExpected = floorLines.indices.map { i in (path: "follow-floor/\(FloorFollower.fileName)", level: seq + i + 1) }
        var unused = ""
        let baseline = try measure(
            chronicle: chronicle, log: log, lines: floorLines, expected: floorExpected, warmUp: warmUp, watch: floorWatch,
            root: dir, level: { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }, dir: dir,
            environment: environment, trace: "\(dir)/follow-lag-floor.csv", commandLine: &unused)
        try floor.stop()
        return Result(
            chronicle: measured, floor: baseline, commands: commands, projectorCommandLine: projector.commandLine,
            appenderCommandLine: appenderCommandLine)
    }

    /// Lines `first..<first+count` of the workload and the file each changes: in turns, an
    /// `su:` on task `ft<k>` and an `ms:` on key `fm<k>`, over every entity.
    static func workload(first: Int, count: Int) -> (lines: [String], paths: [String]) {
        var lines: [String] = [], paths: [String] = []
        for i in first..<(first + count) {
            let e = i % entities
            if e % 2 == 0 {
                lines.append("su:ft\(e / 2)|in_progress|0.\(1 + i % 9)")
                paths.append("tasks/ft\(e / 2).yaml")
            } else {
                lines.append("ms:fm\(e / 2)|value \(i)|semantic")
                paths.append("memory/fm\(e / 2).yaml")
            }
        }
        return (lines, paths)
    }

    /// The number of a file's last `revision: N` line.
    static func revision(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("revision: ") }) else { return nil }
        return Int(line.dropFirst("revision: ".count))
    }

    /// Waits until the projector says it follows (its heartbeat), at most two minutes.
    static func waitUntilFollowing(tree: String, projector: ChildProcess, stderrPath: String) throws {
        let watch = Stopwatch()
        while watch.elapsedSeconds < 120 {
            if let beat = FileManager.default.contents(atPath: "\(tree)/.chronicle/heartbeat.json"),
                String(decoding: beat, as: UTF8.self).contains("\"following\"")
            {
                return
            }
            var status: Int32 = 0
            if waitpid(projector.pid, &status, WNOHANG) == projector.pid {
                throw BenchError.childFailed(what: "chronicle project yaml --follow", status: "an early end", stderrPath: stderrPath)
            }
            usleep(10_000)
        }
        throw BenchError.childFailed(what: "chronicle project yaml --follow", status: "no heartbeat in 120 s", stderrPath: stderrPath)
    }

    /// Feeds `lines` to a fresh `chronicle append` on `log`, paced on the slot grid, and
    /// records for each line when its ack was read and when its file was seen in place at
    /// `expected.level` or later (what `level` reads from the file). Writes every line's times
    /// (ns from the start) to `trace`.
    private static func measure(
        chronicle: String, log: String, lines: [String], expected: [(path: String, level: Int)], warmUp: Int, watch: RenameWatch,
        root: String, level: ([UInt8]) -> Int?, dir: String, environment: [String: String], trace: String,
        commandLine: inout String
    ) throws -> Run {
        let n = lines.count
        let appender = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", log], environment: environment, stdin: .pipe, stdout: .pipe,
            stderrPath: "\(dir)/chronicle.stderr")
        commandLine = "CHRONICLE_CLOCK=\(environment["CHRONICLE_CLOCK"] ?? "") " + appender.commandLine
        var acks = AckReader(fd: appender.stdoutFD)
        var sentAt = [UInt64](repeating: 0, count: n), ackAt = sentAt, fileAt = sentAt
        var waiting: [String: [Int]] = [:]
        var (sent, acked, seen) = (0, 0, 0)
        let start = Stopwatch.now()
        var progressAt = start
        defer {
            // 0: not seen.
            var csv = "line,sent_ns,ack_ns,file_ns\n"
            for i in 0..<n {
                csv += "\(i),\(sentAt[i] &- start),\(ackAt[i] == 0 ? 0 : ackAt[i] - start),\(fileAt[i] == 0 ? 0 : fileAt[i] - start)\n"
            }
            try? Data(csv.utf8).write(to: URL(fileURLWithPath: trace))
        }
        do {
            while seen < n || acked < n {
                var now = Stopwatch.now()
                let slot = start + UInt64(sent) * slotNanoseconds
                if sent == acked, sent < n, now >= slot {
                    waiting[expected[sent].path, default: []].append(sent)
                    sentAt[sent] = now
                    try InteractiveAppend.writeAll(appender.stdinFD, Array((lines[sent] + "\n").utf8))
                    sent += 1
                    continue
                }
                guard now - progressAt < 10_000_000_000 else {
                    throw BenchError.ackMismatch(
                        what: "follow lag", detail: "nothing for 10 s: \(sent) sent, \(acked) acked, \(seen) files seen (of \(n))")
                }
                var fds = [
                    pollfd(fd: appender.stdoutFD, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0),
                ]
                let wait = sent == acked && sent < n ? slot - now : 1_000_000_000
                var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
                guard Self.ppoll(&fds, 2, &timeout, nil) >= 0 || errno == EINTR else {
                    throw BenchError.system(call: "ppoll", errno: errno)
                }
                if fds[0].revents != 0 {
                    guard let ack = try acks.next() else {
                        throw BenchError.childFailed(
                            what: "chronicle append (follow lag)", status: "an early end", stderrPath: "\(dir)/chronicle.stderr")
                    }
                    now = Stopwatch.now()
                    guard acked < sent, !ack.starts(with: "er:".utf8) else {
                        throw BenchError.ackMismatch(
                            what: "follow lag", detail: "line \(acked + 1) got \(String(decoding: ack, as: UTF8.self))")
                    }
                    ackAt[acked] = now
                    acked += 1
                    progressAt = now
                }
                if fds[1].revents != 0 {
                    now = Stopwatch.now()
                    for path in Set(try watch.drain()) {
                        guard let indices = waiting[path], let bytes = FileManager.default.contents(atPath: "\(root)/\(path)"),
                            let found = level(Array(bytes))
                        else { continue }
                        let done = indices.filter { expected[$0].level <= found }
                        for i in done { fileAt[i] = now }
                        seen += done.count
                        waiting[path] = indices.filter { expected[$0].level > found }
                        if !done.isEmpty { progressAt = now }
                    }
                }
            }
        } catch {
            appender.closeInput()
            _ = try? appender.wait()
            throw error
        }
        appender.closeInput()
        let end = try appender.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (follow lag)", status: end.summary, stderrPath: "\(dir)/chronicle.stderr")
        }
        let measured = warmUp..<n
        let lags = measured.map { i in fileAt[i] > ackAt[i] ? Double(fileAt[i] - ackAt[i]) / 1e6 : 0 }
        let span = Double(ackAt[n - 1] - sentAt[warmUp]) / 1e9
        return Run(
            lags: lags, fileFirst: measured.filter { fileAt[$0] <= ackAt[$0] }.count,
            ackLatencies: measured.map { Double(ackAt[$0] - sentAt[$0]) / 1e6 }, rate: Double(measured.count) / span)
    }

    /// glibc's `ppoll`: a `poll` whose timeout is a `timespec` (the 1 ms grid needs better than
    /// `poll`'s milliseconds), looked up at run time since the Glibc module does not import it.
    static let ppoll: PPoll = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ppoll") else { fatalError("glibc has no ppoll") }
        return unsafeBitCast(symbol, to: PPoll.self)
    }()

    typealias PPoll = @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32
}
