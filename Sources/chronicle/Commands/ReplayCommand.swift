import ArgumentParser
import ChronicleCore
import ChronicleProjection
import ChronicleStore
import ChronicleViews
import Foundation

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
            abstract: "Write the whole Redis view as commands that `redis-cli --pipe` loads (--print).",
            discussion: """
                Computes the Redis keyspace (tasks:ID, workflows:ID and memory:KEY hashes; the \
                idx:intent:, idx:status:, idx:keyword: and idx:related: sets; the idx:confidence \
                sorted set; a contexts:PATH hash per context file, its content the YAML tree's \
                bytes of that file; the chronicle:checkpoint hash: see the README for every key) \
                as of --valid-at and --known-at (both default to now), and with --print writes \
                it to standard output in RESP, the protocol `redis-cli --pipe` reads: for each \
                key in key order, DEL then HSET, SADD or ZADD with all it holds, every key under \
                --prefix. No server is needed: `chronicle replay redis --print | redis-cli --pipe` \
                loads it. The same log and point give the same bytes. Exit status: 0 written, 2 \
                bad arguments (no --print: building into a server is not in this version), 3 \
                the log cannot be opened or read.
                """)

        @Flag(help: "Write the view to standard output as RESP commands (for redis-cli --pipe).")
        var print = false

        @Option(help: "A prefix for every key (e.g. tenant1:), to keep several logs apart on one server.")
        var prefix = ""

        @OptionGroup var options: LogOptions
        @OptionGroup var asOf: AsOfOptions

        func validate() throws {
            guard print else { throw ValidationError("give --print: this version writes the view as RESP for redis-cli --pipe") }
        }

        func run() async throws {
            let logger = options.logger(label: "chronicle.replay")
            let clock = try options.clock()
            let log = try options.openExisting(logger: logger)
            let query = LogQuery(log: log)
            let keys: [String: RedisKeyspace.Value]
            let out: [UInt8]
            do {
                let point = try asOf.point(query, clock: clock)
                var entities: [Entity] = []
                for kind in RedisKeyspace.kinds { entities += try query.entities(kind, asOf: point) }
                keys = try RedisKeyspace.keys(entities)
                let seq = try log.read { tx in try tx.position(knownAt: point.known) }
                var commands = RESP.commands(loading: keys, prefix: prefix)
                if case .hash(let fields) = RedisKeyspace.checkpoint(log: try log.identity(), seq: seq, validAt: point.valid) {
                    commands.append(["DEL", prefix + RedisKeyspace.checkpointKey])
                    commands.append(["HSET", prefix + RedisKeyspace.checkpointKey] + fields.flatMap { [$0.field, $0.value] })
                }
                var bytes: [UInt8] = []
                for command in commands { RESP.append(command, to: &bytes) }
                out = bytes
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
    }
}
