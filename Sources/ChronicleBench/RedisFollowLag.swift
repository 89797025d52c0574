import ChronicleRedis
import ChronicleTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The follow lag of `chronicle project redis --follow` at a steady ``rate`` commands/s, and
/// the frontend's `HGETALL` meanwhile.
///
/// A log of `tasks` tasks (default 1,000) is followed by the projector under the prefix `lag:`; then one
/// fresh `chronicle append` is fed `su:` lines in turns over every task (each changes one hash,
/// no hash twice within a tenth of a second), a group of `rate / 1,000` lines written at once
/// every millisecond without waiting for acks (one line per ack would cap the rate at the
/// ack's round trip), and the acks are read as they come. A command's time is when its ack is
/// read. From there, its lag runs (b) to the read of its `[seq=N]` message by a
/// ``ChangeSubscriber`` and (a) to a `HGET tasks:{id} revision` that subscriber sends after the
/// message and that returns the command's revision: (a) is an upper bound of visibility (the
/// data is in place when `EXEC` returns, before the message goes out; the confirming read
/// adds its round trip). A message read before the ack counts 0. Meanwhile a ``HashReader``
/// reads one task hash a millisecond.
///
/// The baseline is the same appender, subscriber and reader, on the same log, with
/// ``RedisFloorFollower`` in the projector's place (prefix `floor:`). Last, the reader alone on
/// the idle server: the `HGETALL` baseline.
enum RedisFollowLag {
    /// Unmeasured lines first (the first tenth of a second at 10,000/s, and a few more).
    static let warmUp = 2_000

    struct Run {
        /// Milliseconds from ack to message read, per measured line (0 when the message came first).
        var messageLags: [Double]
        /// Milliseconds from ack to the change confirmed by `HGET`, per measured line.
        var visibleLags: [Double]
        /// Measured lines whose message was read before their ack.
        var messageFirst: Int
        /// Milliseconds from writing a line to reading its ack.
        var ackLatencies: [Double]
        /// Measured lines per second of wall time (first measured line written → last ack read).
        var rate: Double
        /// `HGETALL` milliseconds meanwhile.
        var reads: [Double]
        var strayMessages: Int
        /// Measured lines seen through a later line's message (coalesced in one batch with it).
        var coalesced: Int
    }

    struct Result {
        var chronicle: Run
        var floor: Run
        /// `HGETALL` milliseconds on the idle server.
        var idleReads: [Double]
        var commands: Int
        var rate: Int
        var tasks: Int
        /// The projector's CPU time over its whole run (the small catch-up included), seconds.
        var projectorCPUSeconds: Double
        var projectorCommandLine: String
        var appenderCommandLine: String
    }

    static func run(
        chronicle: String, server: RedisServer, dir: String, commands: Int, rate: Int, tasks: Int, environment: [String: String]
    ) throws -> Result {
        let logDirectory = "\(dir)/redis-follow-log"
        try? FileManager.default.removeItem(atPath: logDirectory)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let log = "\(logDirectory)/follow.db"
        var setup = ""
        for k in 0..<tasks {
            setup += #"{"cmd":"task.create","id":"rt\#(k)","title":"Redis follow task \#(k)","intent":"feature","complexity":"low"}"# + "\n"
        }
        try Data(setup.utf8).write(to: URL(fileURLWithPath: "\(dir)/redis-follow-setup.txt"))
        let created = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/redis-follow-setup.txt", lines: tasks, expectedEvents: tasks, dbPath: log,
            acksPath: "\(dir)/redis-follow-setup.acks", stderrPath: "\(dir)/chronicle.stderr", environment: environment)
        var revisions = [Int64](repeating: 1, count: tasks)
        var seq = Int64(created.events)
        let admin = try RedisConnection(url: server.url)
        _ = try admin.command("FLUSHALL")
        let n = warmUp + commands
        let readKeys = (0..<tasks).map { "lag:tasks:rt\($0)" }

        // 1. chronicle project redis --follow.
        ProgressNote.say("redis follow lag: chronicle project redis --follow, \(warmUp) + \(commands) commands at \(rate)/s")
        let projector = try ChildProcess(
            executable: chronicle, arguments: ["project", "redis", "--db", log, "--prefix", "lag:", "--follow"],
            environment: RedisCatchUp.projectorEnvironment(environment, server), stdin: .file("/dev/null"), stdout: .file("/dev/null"),
            stderrPath: "\(dir)/project-redis.stderr")
        try waitUntilFollowing(admin, projector: projector, stderrPath: "\(dir)/project-redis.stderr")
        var lines = workload(first: 0, count: n, tasks: tasks, revisions: &revisions)
        var appenderCommandLine = ""
        let measured: Run
        do {
            measured = try measure(
                chronicle: chronicle, log: log, server: server, prefix: "lag:", lines: lines, firstSeq: seq + 1, readKeys: readKeys,
                rate: rate, dir: dir, environment: environment, trace: "\(dir)/redis-follow-lag-chronicle.csv",
                commandLine: &appenderCommandLine)
        } catch {
            kill(projector.pid, SIGINT)
            _ = try? projector.wait()
            throw error
        }
        seq += Int64(n)
        kill(projector.pid, SIGINT)
        let end = try projector.wait()
        guard end.exitedNormally else {
            throw BenchError.childFailed(
                what: "chronicle project redis --follow", status: end.summary, stderrPath: "\(dir)/project-redis.stderr")
        }

        // 2. The floor, on the same log.
        ProgressNote.say("redis follow lag: baseline (an in-bench follower, HSET + PUBLISH per event), \(warmUp) + \(commands) commands")
        let floor = try RedisFloorFollower(logPath: log, url: server.url, prefix: "floor:")
        floor.start()
        lines = workload(first: n, count: n, tasks: tasks, revisions: &revisions)
        var unused = ""
        let baseline: Run
        do {
            baseline = try measure(
                chronicle: chronicle, log: log, server: server, prefix: "floor:", lines: lines, firstSeq: seq + 1, readKeys: readKeys,
                rate: rate, dir: dir, environment: environment, trace: "\(dir)/redis-follow-lag-floor.csv", commandLine: &unused)
        } catch {
            try? floor.stop()
            throw error
        }
        try floor.stop()

        // 3. The reader alone.
        ProgressNote.say("redis follow lag: HGETALL on the idle server, \(measured.reads.count) reads")
        let idle = try HashReader(url: server.url, keys: readKeys, limit: max(1_000, measured.reads.count))
        idle.start()
        try idle.finish()
        return Result(
            chronicle: measured, floor: baseline, idleReads: idle.latencies, commands: commands, rate: rate, tasks: tasks,
            projectorCPUSeconds: end.cpuSeconds,
            projectorCommandLine: "CHRONICLE_REDIS_URL=redis://:***@\(server.url.server)/0 " + projector.commandLine,
            appenderCommandLine: appenderCommandLine)
    }

    /// Lines `first..<first+count`: `su:rt{k}|in_progress|0.D` over the tasks in turns (the
    /// progress differs from the task's last), with the hash each changes and the revision it gets.
    static func workload(first: Int, count: Int, tasks: Int, revisions: inout [Int64]) -> [(line: String, task: Int, revision: Int64)] {
        (first..<(first + count)).map { i in
            let k = i % tasks
            revisions[k] += 1
            return ("su:rt\(k)|in_progress|0.\(1 + i % 9)", k, revisions[k])
        }
    }

    /// Waits until the projector says it follows (`lag:chronicle:heartbeat`), at most two minutes.
    static func waitUntilFollowing(_ admin: RedisConnection, projector: ChildProcess, stderrPath: String) throws {
        let watch = Stopwatch()
        while watch.elapsedSeconds < 120 {
            if try admin.command("HGET", "lag:chronicle:heartbeat", "state").string == "following" { return }
            var status: Int32 = 0
            if waitpid(projector.pid, &status, WNOHANG) == projector.pid {
                throw BenchError.childFailed(what: "chronicle project redis --follow", status: "an early end", stderrPath: stderrPath)
            }
            usleep(10_000)
        }
        throw BenchError.childFailed(what: "chronicle project redis --follow", status: "no heartbeat in 120 s", stderrPath: stderrPath)
    }

    /// Feeds `lines` to a fresh `chronicle append` on `log`, `rate / 1,000` at once every
    /// millisecond, reads the acks as they come, and collects what the subscriber of
    /// `{prefix}chronicle:changes` and the reader saw meanwhile. Writes each line's times (ns
    /// from the start; 0: never) to `trace`.
    private static func measure(
        chronicle: String, log: String, server: RedisServer, prefix: String, lines: [(line: String, task: Int, revision: Int64)],
        firstSeq: Int64, readKeys: [String], rate: Int, dir: String, environment: [String: String], trace: String,
        commandLine: inout String
    ) throws -> Run {
        let n = lines.count
        let subscriber = try ChangeSubscriber(
            url: server.url, channel: "\(prefix)chronicle:changes", firstSeq: firstSeq, ids: lines.map { "rt\($0.task)" },
            keys: lines.map { "\(prefix)tasks:rt\($0.task)" },
            revisions: lines.map(\.revision))
        subscriber.start()
        let reader = try HashReader(url: server.url, keys: readKeys)
        reader.start()
        let appender = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", log], environment: environment, stdin: .pipe, stdout: .pipe,
            stderrPath: "\(dir)/chronicle.stderr")
        commandLine = "CHRONICLE_CLOCK=\(environment["CHRONICLE_CLOCK"] ?? "") " + appender.commandLine
        _ = fcntl(appender.stdoutFD, F_SETFL, fcntl(appender.stdoutFD, F_GETFL) | O_NONBLOCK)
        var acks = AckReader(fd: appender.stdoutFD)
        let group = max(1, rate / 1_000)
        let bytes = lines.map { Array(($0.line + "\n").utf8) }
        var sentAt = [UInt64](repeating: 0, count: n), ackAt = sentAt
        var (sent, acked) = (0, 0)
        let start = Stopwatch.now()
        var progressAt = start
        do {
            while acked < n {
                var now = Stopwatch.now()
                let slot = start + UInt64(sent / group) * 1_000_000
                if sent < n, now >= slot {
                    let end = min(n, sent + group)
                    for i in sent..<end { sentAt[i] = now }
                    try InteractiveAppend.writeAll(appender.stdinFD, Array(bytes[sent..<end].joined()))
                    sent = end
                    continue
                }
                guard now - progressAt < 10_000_000_000 else {
                    throw BenchError.ackMismatch(
                        what: "redis follow lag", detail: "no ack for 10 s: \(sent) sent, \(acked) acked (of \(n))")
                }
                var fds = [pollfd(fd: appender.stdoutFD, events: Int16(POLLIN), revents: 0)]
                let wait = sent < n ? slot - now : 1_000_000_000
                var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
                guard FollowLag.ppoll(&fds, 1, &timeout, nil) >= 0 || errno == EINTR else {
                    throw BenchError.system(call: "ppoll", errno: errno)
                }
                guard fds[0].revents != 0 else { continue }
                guard let got = try acks.available() else {
                    throw BenchError.childFailed(
                        what: "chronicle append (redis follow lag)", status: "an early end", stderrPath: "\(dir)/chronicle.stderr")
                }
                now = Stopwatch.now()
                for ack in got {
                    guard acked < sent, !ack.starts(with: "er:".utf8) else {
                        throw BenchError.ackMismatch(
                            what: "redis follow lag", detail: "line \(acked + 1) got \(String(decoding: ack, as: UTF8.self))")
                    }
                    ackAt[acked] = now
                    acked += 1
                }
                if !got.isEmpty { progressAt = now }
            }
        } catch {
            appender.closeInput()
            _ = try? appender.wait()
            try? reader.stop()
            try? subscriber.wait(seconds: 0)
            throw error
        }
        appender.closeInput()
        let end = try appender.wait()
        try subscriber.wait(seconds: 10)
        try reader.stop()
        guard end.exitedNormally else {
            throw BenchError.childFailed(
                what: "chronicle append (redis follow lag)", status: end.summary, stderrPath: "\(dir)/chronicle.stderr")
        }
        var csv = "line,sent_ns,ack_ns,message_ns,visible_ns\n"
        for i in 0..<n {
            let times = [sentAt[i], ackAt[i], subscriber.messageAt[i], subscriber.confirmedAt[i]].map { $0 == 0 ? 0 : $0 - start }
            csv += "\(i),\(times.map(String.init).joined(separator: ","))\n"
        }
        try? Data(csv.utf8).write(to: URL(fileURLWithPath: trace))
        let missing = (0..<n).filter { subscriber.confirmedAt[$0] == 0 }
        guard missing.isEmpty else {
            throw BenchError.ackMismatch(
                what: "redis follow lag (\(prefix))",
                detail:
                    "\(missing.count) of \(n) changes never seen (messages: \((0..<n).filter { subscriber.messageAt[$0] != 0 }.count)); times in \(trace)"
            )
        }
        let measured = warmUp..<n
        func lag(_ at: [UInt64]) -> [Double] { measured.map { at[$0] > ackAt[$0] ? Double(at[$0] - ackAt[$0]) / 1e6 : 0 } }
        return Run(
            messageLags: lag(subscriber.messageAt), visibleLags: lag(subscriber.confirmedAt),
            messageFirst: measured.filter { subscriber.messageAt[$0] <= ackAt[$0] }.count,
            ackLatencies: measured.map { Double(ackAt[$0] - sentAt[$0]) / 1e6 },
            rate: Double(measured.count) / (Double(ackAt[n - 1] - sentAt[warmUp]) / 1e9), reads: reader.latencies,
            strayMessages: subscriber.strayMessages,
            coalesced: measured.filter { subscriber.confirmedAt[$0] == subscriber.messageAt[$0] }.count)
    }
}
