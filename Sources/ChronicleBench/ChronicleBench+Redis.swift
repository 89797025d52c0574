import ChronicleTesting

/// The figures of `chronicle project redis` on a `redis-server` the benchmark starts: the
/// catch-up beside `redis-benchmark`'s ceiling, the follow lag beside an in-bench floor, and the
/// frontend's `HGETALL` while it follows beside the same read on an idle server.
extension ChronicleBench {
    func redisFigures(dir: String, environment: [String: String]) throws -> String {
        ProgressNote.say("redis: starting redis-server (free loopback port, temporary directory, no persistence)")
        let server: RedisServer
        do { server = try RedisServer.start() } catch { throw BenchError.missingFile(path: "redis-server", hint: "\(error)") }
        defer { server.stop() }
        var sections: [String] = []
        if redisCatchUpEvents > 0 { sections.append(try redisCatchUp(server: server, dir: dir, environment: environment)) }
        if redisFollowCommands > 0 { sections.append(try redisFollow(server: server, dir: dir, environment: environment)) }
        return sections.joined(separator: "\n")
    }

    private func redisCatchUp(server: RedisServer, dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        let r = try RedisCatchUp.run(
            chronicle: chronicle, server: server, dir: dir, events: redisCatchUpEvents, entities: redisCatchUpEntities,
            ceilingRequests: redisCeilingRequests, seed: seed, environment: environment)
        let ceiling = r.ceiling.requestsPerSecond
        var table = ResultTable()
        table.add(
            "catch-up into an empty server, \(T.grouped(Double(r.events))) events over \(T.grouped(Double(r.entities))) entities: events/s (seconds)",
            chronicle: "\(T.grouped(r.eventsPerSecond)) (\(T.fixed(r.seconds, 2)) s)",
            baseline: "\(T.grouped(ceiling)) HSET/s redis-benchmark -P 64", ratio: T.ratio(r.eventsPerSecond, ceiling),
            target: T.target("≥ 200,000 events/s", met: r.eventsPerSecond >= 200_000))
        table.add(
            "the same catch-up: Redis commands/s (commands sent, keys written)",
            chronicle: "\(T.grouped(r.commandsPerSecond)) (\(T.grouped(Double(r.stats.calls))), \(T.grouped(Double(r.keys))) keys)",
            baseline: "\(T.grouped(ceiling)) HSET/s", ratio: T.ratio(r.commandsPerSecond, ceiling))
        table.add(
            "the same catch-up: projector CPU, server time in commands (peak RSS)",
            chronicle: "\(T.fixed(r.cpuSeconds, 2)) s, \(T.fixed(r.stats.serverSeconds, 2)) s (\(T.mebibytes(r.peakRSSBytes)))")
        return """

            ## The Redis view: catching up (`chronicle project redis`)

            \(table.markdown)
            - each: `\(r.commandLine)`, a fresh process into a server emptied by `FLUSHALL`: opening the log, folding every event (no stored snapshot), loading the whole view in `MULTI`/`EXEC` chunks of \(T.grouped(20_000)) commands; wall time from spawn to exit, its CPU time (`wait4`), peak RSS (VmHWM).
            - log: written by `\(r.appendCommandLine)` from the commands `CatchUpMemory.generate` makes (every entity created: 40% tasks, 40% memory keys, 20% workflows; then `su:`/`ms:` updates of random ones), snapshots off so the catch-up folds from the first event (with snapshots it would fold only the events after the newest one, and events/s would count events never read).
            - commands: counted by the server, `CONFIG RESETSTAT` just before the projector starts and `INFO commandstats` after it ends (the reading commands taken out): \(r.stats.breakdown). Server time: the sum of `usec` there.
            - ceiling: `\(r.ceiling.commandLine)` on the same server right after (database 1; user `\(RedisCeiling.user)` made for it with `nopass` and only `HSET` on `myhash*`, since redis-benchmark takes a password only on its command line; the `-a` it gets is a placeholder). The ratio of events/s to it is the catch-up's share of the ceiling in events, of commands/s in commands: one command of a load writes a whole key, all the events of that key coalesced into it.
            """
    }

    private func redisFollow(server: RedisServer, dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        let r = try RedisFollowLag.run(
            chronicle: chronicle, server: server, dir: dir, commands: redisFollowCommands, rate: redisRate, tasks: redisFollowTasks,
            environment: environment)
        func three(_ samples: [Double]) -> String {
            let s = LatencySummary(samples)
            return "\(T.fixed(s.p50, 2)) / \(T.fixed(s.p99, 2)) / \(T.fixed(s.max, 2)) ms"
        }
        func p99(_ samples: [Double]) -> Double { LatencySummary(samples).p99 }
        let (c, f) = (r.chronicle, r.floor)
        let n = T.grouped(Double(r.commands))
        var table = ResultTable()
        table.add(
            "follow lag at \(T.grouped(Double(r.rate))) commands/s, ack read → change confirmed by HGET, \(n) commands: p50 / p99 / max",
            chronicle: three(c.visibleLags), baseline: "\(three(f.visibleLags)) in-bench follower, HSET + PUBLISH per event",
            ratio: "p99 " + T.ratio(p99(c.visibleLags), p99(f.visibleLags)), target: T.target("p99 < 5 ms", met: p99(c.visibleLags) < 5))
        table.add(
            "the same, ack read → its message read by a subscriber: p50 / p99 / max",
            chronicle: three(c.messageLags), baseline: three(f.messageLags),
            ratio: "p99 " + T.ratio(p99(c.messageLags), p99(f.messageLags)),
            target: T.target("p99 < 5 ms", met: p99(c.messageLags) < 5))
        table.add(
            "messages read before their ack (counted 0 above); lines seen through a later line's message (coalesced); stray or repeated messages",
            chronicle: "\(c.messageFirst) of \(c.messageLags.count); \(c.coalesced); \(c.strayMessages)",
            baseline: "\(f.messageFirst) of \(f.messageLags.count); \(f.coalesced); \(f.strayMessages)")
        table.add(
            "the appender meanwhile: line written → ack read, p50 / p99 / max; commands/s",
            chronicle: "\(three(c.ackLatencies)); \(T.grouped(c.rate))/s", baseline: "\(three(f.ackLatencies)); \(T.grouped(f.rate))/s")
        table.add(
            "`HGETALL tasks:{id}` while following, one a millisecond: p50 / p99 / max (\(T.grouped(Double(c.reads.count))) reads)",
            chronicle: three(c.reads), baseline: "\(three(r.idleReads)) idle server",
            ratio: "p99 " + T.ratio(p99(c.reads), p99(r.idleReads)))
        table.add(
            "the same read while the in-bench follower follows", chronicle: "—", baseline: three(f.reads))
        table.add(
            "the projector's CPU per command (its whole run)",
            chronicle: "\(T.fixed(r.projectorCPUSeconds / Double(RedisFollowLag.warmUp + r.commands) * 1e6, 1)) µs")
        return """

            ## The Redis view: following (`chronicle project redis --follow`)

            \(table.markdown)
            - projector: `\(r.projectorCommandLine)`, following a log of \(T.grouped(Double(r.tasks))) tasks; appender: `\(r.appenderCommandLine)`, fed \(max(1, r.rate / 1_000)) `su:` lines at once every millisecond without waiting for acks, \(T.grouped(Double(RedisFollowLag.warmUp))) unmeasured lines first; the lines go over every task in turns, so each changes one hash.
            - a command's time is when the benchmark reads its ack. Message: when a subscriber of `lag:chronicle:changes` (its own connection, hiredis, sleeping in `poll`) reads the `[seq=N]` message. Visible: when that subscriber's `HGET lag:tasks:{id} revision` (a second connection, pipelined for the messages read together, sent after them) returns the command's revision or later: an upper bound, since the data is in place when the projector's `EXEC` runs, before the message is sent. Per-line times: `redis-follow-lag-chronicle.csv`, `redis-follow-lag-floor.csv` in the work directory.
            - baseline: the same appender, subscriber and reader on the same log, with a follower in the benchmark in the projector's place: woken by inotify on the log's directory (chronicle's mask), it reads the new rows' seq, stream and stream_rev every 0.2 ms until some show, and sends one pipelined `MULTI`, `HSET floor:tasks:{id} revision N` and `PUBLISH floor:chronicle:changes "[seq=N] …"` per event, `EXEC`: the floor of wake-up, commit visibility and one transaction per wake-up, with nothing decoded, folded or coalesced and no checkpoint.
            - `HGETALL`: a third connection reads `lag:tasks:rt{k}` one every millisecond, paced, timed from send to reply, while each follower runs, and then as many times on the idle server.
            """
    }
}
