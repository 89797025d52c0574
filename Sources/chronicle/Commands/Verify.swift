import ArgumentParser
import ChronicleCore
import ChronicleProjection
import ChronicleRedis
import ChronicleStore
import Foundation
import Logging

/// `chronicle verify`: checks the log's structural invariants and reports every problem.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the log: hash chain, gap-free seq, per-stream revisions, recorded_at order, payloads, retractions.",
        discussion: """
            Reads every event in seq order and prints one line per problem ("seq N: what is wrong"); \
            for a sound log, replays it and prints one line per event that looks impossible in its \
            history as known now ("warning: seq N: …", at most 1,000: a late event or a retraction \
            made it so; it is folded as recorded); then a summary.

            With --redis URL or --redis-prefix P, it checks the Redis view under P instead (the \
            server from --redis or CHRONICLE_REDIS_URL, the password as for project redis): it \
            builds the view afresh as of the point the keyspace's checkpoint names and prints one \
            line per key that differs (missing, left behind, of another type, each field, \
            member or score that differs); --repair then makes those keys what the view holds, \
            in one MULTI/EXEC.

            Exit status: 0 the log is sound (warnings or not) or the view matches (or was \
            repaired), 1 the log is damaged or the view differs, 2 bad arguments, 3 the log \
            cannot be opened or read, 4 the Redis server cannot be reached or refused the login.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var options: LogOptions

    @Option(help: "Report format: text (default) or json.")
    var format: Format = .text

    @Option(help: "Check the Redis view under this prefix (with the server of --redis or CHRONICLE_REDIS_URL).")
    var redisPrefix: String?

    @OptionGroup var redisOptions: RedisOptions

    @Flag(help: "With --redis or --redis-prefix: make every key that differs what a fresh build of the view holds.")
    var repair = false

    func validate() throws {
        if repair && redisOptions.redis == nil && redisPrefix == nil {
            throw ValidationError("--repair repairs a Redis view: give --redis or --redis-prefix")
        }
    }

    func run() async throws {
        let logger = options.logger(label: "chronicle.verify")
        let log = try options.openExisting(logger: logger)
        if redisOptions.redis != nil || redisPrefix != nil { return try verifyRedis(log: log, logger: logger) }
        let report: LogIntegrity.Report
        do {
            report = try LogIntegrity.verify(log)
        } catch {
            throw CommandFailure.unreadable(error)
        }
        let text: String
        switch format {
        case .text: text = report.text(path: options.path)
        case .json: text = report.json.jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if !report.isSound { throw CommandFailure.damaged }
    }

    /// The Redis view against a fresh build of it.
    func verifyRedis(log: EventLog, logger: Logger) throws {
        let url = try redisOptions.url()
        let problems: [String]
        do {
            let projector = try RedisProjector(log: log, url: url, prefix: redisPrefix ?? "", clock: try options.clock(), logger: logger)
            defer { projector.close() }
            problems = try projector.verify(repair: repair)
        } catch let error as RedisError {
            throw RedisFailure.server(error)
        }
        let view = "\(url) prefix '\(redisPrefix ?? "")'"
        var text = ""
        switch format {
        case .text:
            for problem in problems { text += problem + "\n" }
            text +=
                problems.isEmpty
                ? "ok: the Redis view at \(view) is what a fresh build holds\n"
                : "\(problems.count) key\(problems.count == 1 ? "" : "s") of the Redis view at \(view) differ\(problems.count == 1 ? "s" : "")\(repair ? "; repaired" : " (--repair makes them what the view holds)")\n"
        case .json:
            text =
                JSONValue.object([
                    JSONMember("ok", .bool(problems.isEmpty)), JSONMember("view", .string(view)),
                    JSONMember("problems", .array(problems.map(JSONValue.string))),
                    JSONMember("repaired", .bool(repair && !problems.isEmpty)),
                ]).jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if !problems.isEmpty && !repair { throw CommandFailure.damaged }
    }
}
