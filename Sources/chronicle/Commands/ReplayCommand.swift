import ArgumentParser
import ChronicleCore
import ChronicleProjection
import ChronicleRedis
import ChronicleStore
import ChronicleViews
import Foundation
import Logging

/// `chronicle replay`: rebuilds a projection from the log, as it is now or as of any past point.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projection from the log into a fresh directory, now or as of any past point.",
        subcommands: [YAML.self, Redis.self])

    struct YAML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "yaml",
            abstract: "Build the complete YAML tree (tasks, workflows, memory, contexts) into a fresh directory.",
            discussion: """
                Writes tasks/ID.yaml, workflows/ID.yaml and memory/KEY.yaml (each entity as \
                `chronicle query` prints it, revision last) and one read-only file per \
                context-cascade path that tasks name (contexts/PATH.yaml, the tasks naming it with \
                their status), as of --valid-at and --known-at (both default to now): today's \
                tree, or the tree as it was at any past point. An entity absent at that point \
                (a forgotten memory key, a retracted creation) has no file. The same log and \
                point give the same bytes. DIR must not exist or be empty: the tree is built \
                beside it (DIR.partial-PID) and renamed to DIR when complete, so DIR appears \
                whole or not at all. Prints the number of files and bytes on stderr. Exit \
                status: 0 built, 1 DIR is not empty or cannot be written, 2 bad arguments, 3 \
                the log cannot be opened or read.
                """)

        @Argument(help: "The directory to create (it must not exist, or be empty).")
        var directory: String

        @OptionGroup var options: LogOptions
        @OptionGroup var asOf: AsOfOptions

        func run() async throws {
            let logger = options.logger(label: "chronicle.replay")
            let clock = try options.clock()
            let query = LogQuery(log: try options.openExisting(logger: logger))
            let entities: [Entity]
            do {
                entities = try query.treeEntities(asOf: try asOf.point(query, clock: clock))
            } catch let error as ValidationError {
                throw error
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure.unreadable(error)
            }
            let summary = try TreeReplay.build(entities, at: directory)
            FileHandle.standardError.write(Data("chronicle: \(directory): \(summary.files) files, \(summary.bytes) bytes\n".utf8))
        }
    }

    struct Redis: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redis",
            abstract: "Rebuild the Redis view on a server and swap it in at once, or write it as RESP (--print).",
            discussion: """
                The keyspace: tasks:ID, workflows:ID and memory:KEY hashes; the idx:intent:, \
                idx:status:, idx:keyword: and idx:related: sets; the idx:confidence sorted set; a \
                contexts:PATH hash per context file, its content the YAML tree's bytes of that \
                file; the chronicle:checkpoint hash (the README lists every key and field). \
                Every key goes under --prefix.

                With a server (--redis, or CHRONICLE_REDIS_URL; the password never on the command \
                line: CHRONICLE_REDIS_URL or --redis-password-file): the view as of now is built \
                beside the live keys (under chronicle-rebuild-PID:PREFIX) and swapped in by one \
                MULTI/EXEC (the live keys the view no longer has deleted, each built key renamed \
                over its live one, the checkpoint written): a reader sees the old keyspace or the \
                new one whole, never a mix. With --valid-at or --known-at, the view as of that \
                point is built beside the live one, under --into PREFIX (required then), its \
                checkpoint naming the point. A keyspace of another log, or of a newer version, is \
                refused.

                With --print: no server; the view as of --valid-at/--known-at (default now) is \
                written to standard output in RESP, the protocol `redis-cli --pipe` reads: for \
                each key in key order, DEL then HSET, SADD or ZADD with all it holds. The same log \
                and point give the same bytes.

                Exit status: 0 done, 1 the keyspace refused, 2 bad arguments (no server named, a \
                password on the command line, a past point without --into), 3 the log cannot be \
                opened or read, 4 the server cannot be reached or refused the login.
                """)

        @Flag(help: "Write the view to standard output as RESP commands (for redis-cli --pipe), with no server.")
        var print = false

        @OptionGroup var redisOptions: RedisOptions

        @OptionGroup var keyPrefix: RedisPrefixOption

        @Option(help: "With --valid-at or --known-at: the prefix the past view is built under, beside the live one.")
        var into: String?

        @OptionGroup var options: LogOptions
        @OptionGroup var asOf: AsOfOptions

        func validate() throws {
            let past = asOf.validAt != nil || asOf.knownAt != nil
            if !print && past && into == nil {
                throw ValidationError("a past view goes beside the live one: give --into PREFIX (e.g. --into past:)")
            }
            if print && into != nil { throw ValidationError("--into is for a server; with --print, use --prefix") }
            if let into, let problem = RedisKeyspace.problem(ofPrefix: into) { throw ValidationError(problem) }
        }

        func run() async throws {
            let logger = options.logger(label: "chronicle.replay")
            let clock = try options.clock()
            let log = try options.openExisting(logger: logger)
            let query = LogQuery(log: log)
            guard print else { return try build(log: log, query: query, clock: clock, logger: logger) }
            let keys: [String: RedisKeyspace.Value]
            let out: [UInt8]
            do {
                let point = try asOf.point(query, clock: clock)
                var entities: [Entity] = []
                for kind in RedisKeyspace.kinds { entities += try query.entities(kind, asOf: point) }
                keys = try RedisKeyspace.keys(entities)
                let seq = try log.read { tx in try tx.position(knownAt: point.known) }
                var commands = RESP.commands(loading: keys, prefix: keyPrefix.prefix)
                if case .hash(let fields) = RedisKeyspace.checkpoint(log: try log.identity(), seq: seq, validAt: point.valid) {
                    commands.append(["DEL", keyPrefix.prefix + RedisKeyspace.checkpointKey])
                    commands.append(["HSET", keyPrefix.prefix + RedisKeyspace.checkpointKey] + fields.flatMap { [$0.field, $0.value] })
                }
                out = RedisCommandEncoding.encode(commands)
            } catch let error as ValidationError {
                throw error
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure.unreadable(error)
            }
            FileHandle.standardOutput.write(Data(out))
            FileHandle.standardError.write(Data("chronicle: \(keys.count + 1) keys, \(out.count) bytes of RESP\n".utf8))
        }

        /// The view built on the server: now, swapped in; or a past point, under --into.
        func build(log: EventLog, query: LogQuery, clock: any RecordingClock, logger: Logger) throws {
            let url = try redisOptions.url()
            do {
                if let into {
                    let point = try asOf.point(query, clock: clock)
                    let seq = try log.read { tx in try tx.position(knownAt: point.known) }
                    let projector = try RedisProjector(log: log, url: url, prefix: into, clock: clock, logger: logger)
                    projector.report = { line in FileHandle.standardError.write(Data("chronicle: \(line)\n".utf8)) }
                    defer { projector.close() }
                    try projector.loadPast(position: seq, validAt: point.valid)
                } else {
                    let projector = try RedisProjector(log: log, url: url, prefix: keyPrefix.prefix, clock: clock, logger: logger)
                    projector.report = { line in FileHandle.standardError.write(Data("chronicle: \(line)\n".utf8)) }
                    defer { projector.close() }
                    try projector.rebuild()
                }
            } catch let error as RedisError {
                throw RedisFailure.server(error)
            }
        }
    }
}
