import ChronicleRedis
import ChronicleTesting
import Foundation

/// The catch-up of `chronicle project redis --db LOG` into an empty server: events folded per
/// second and Redis commands per second, from spawn to exit, beside ``RedisCeiling`` on the same
/// server in the same run.
///
/// The log is written as ``CatchUpMemory`` writes its own (`CatchUpMemory.generate`: every
/// entity created, then `su:`/`ms:` updates of random ones; one event a line), by `chronicle
/// append --snapshot-every 0`: a load into an empty server folds the state as of now from the
/// newest usable snapshot, so with the appender's snapshots it would fold only the events after
/// the last one and events/s would count events it never read. Without snapshots it folds every
/// event from the first, the figure of a log whose snapshots are unusable (a new view version).
///
/// The commands are counted by the server (``RedisCommandStats``, reset just before the
/// projector starts): all the projector sent, `MULTI` and `EXEC` included.
enum RedisCatchUp {
    struct Result {
        var events: Int
        var entities: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakRSSBytes: Int
        var stats: RedisCommandStats
        /// Keys in the server's database afterwards (`DBSIZE`).
        var keys: Int
        var ceiling: RedisCeiling.Result
        var appendCommandLine: String
        var commandLine: String
        var eventsPerSecond: Double { Double(events) / seconds }
        var commandsPerSecond: Double { Double(stats.calls) / seconds }
    }

    static func run(
        chronicle: String, server: RedisServer, dir: String, events: Int, entities: Int, ceilingRequests: Int, seed: UInt64,
        environment: [String: String]
    ) throws -> Result {
        let log = "\(dir)/redis-catch-up.db"
        ProgressNote.say("redis catch-up: appending \(events) commands over \(entities) entities (no snapshots)")
        let appendCommandLine = try CatchUpMemory.writeLog(
            log, chronicle: chronicle, dir: dir, events: events, entities: entities, seed: seed, environment: environment)

        let admin = try RedisConnection(url: server.url)
        _ = try admin.command("FLUSHALL")
        try RedisCommandStats.reset(admin)
        ProgressNote.say("redis catch-up: chronicle project redis of \(events) events into an empty server")
        sync()
        let watch = Stopwatch()
        let project = try ChildProcess(
            executable: chronicle, arguments: ["project", "redis", "--db", log], environment: projectorEnvironment(environment, server),
            stdin: .file("/dev/null"), stdout: .file("/dev/null"), stderrPath: "\(dir)/project-redis.stderr")
        let end = try project.wait()
        let seconds = watch.elapsedSeconds
        guard end.exitedNormally else {
            throw BenchError.childFailed(
                what: "chronicle project redis (catch-up)", status: end.summary, stderrPath: "\(dir)/project-redis.stderr")
        }
        let stats = try RedisCommandStats.read(admin)
        let keys = Int(try admin.command("DBSIZE").integer ?? 0)
        ProgressNote.say(
            "  \(Int(Double(events) / seconds)) events/s, \(Int(Double(stats.calls) / seconds)) commands/s (\(stats.calls) commands, \(keys) keys)"
        )

        ProgressNote.say("redis catch-up: the ceiling, redis-benchmark -P 64 -t hset -n \(ceilingRequests)")
        let ceiling = try RedisCeiling.run(url: server.url, requests: ceilingRequests, dir: dir)
        ProgressNote.say("  \(Int(ceiling.requestsPerSecond)) HSET/s")
        return Result(
            events: events, entities: entities, seconds: seconds, cpuSeconds: end.cpuSeconds, peakRSSBytes: end.peakRSSBytes, stats: stats,
            keys: keys, ceiling: ceiling, appendCommandLine: appendCommandLine,
            commandLine: "CHRONICLE_REDIS_URL=redis://:***@\(server.url.server)/0 " + project.commandLine)
    }

    /// The children's environment with `CHRONICLE_REDIS_URL` naming the server, its password in
    /// it (an environment variable, never an argument).
    static func projectorEnvironment(_ environment: [String: String], _ server: RedisServer) -> [String: String] {
        var environment = environment
        environment["CHRONICLE_REDIS_URL"] = "redis://:\(server.url.password ?? "")@\(server.url.server)/0"
        return environment
    }
}
