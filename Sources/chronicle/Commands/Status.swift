import ArgumentParser
import ChronicleApp
import ChronicleCore
import ChronicleProjection
import ChronicleRedis
import ChronicleStore
import ChronicleViews
import Foundation

/// `chronicle status`: the log's head, and where each view stands against it.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the log's head and, for each view, its checkpoint, how far behind it is, and whether its projector is alive.",
        discussion: """
            For each YAML tree named on the command line (else each one config/views.yaml, or the \
            file --config names, lists under `yaml:`), reads DIR/.chronicle/checkpoint.json and \
            DIR/.chronicle/heartbeat.json and prints one line: the last position applied, the \
            view's version, how many events it is behind the log's head, and its projector's \
            state: alive (a `project --follow` beat within the last 3 seconds), stalled (its \
            heartbeat says it follows, but is older: the projector hangs, or died without \
            stopping), or idle (no projector follows it: it is as current as its checkpoint). A \
            directory with no checkpoint is "not built"; one that holds another log's view, or a \
            newer version, is "refused". With --redis-prefix P (repeatable), the Redis view under P \
            on the server --redis or CHRONICLE_REDIS_URL names is reported too (with --redis \
            alone, the view under the empty prefix), from \
            Pchronicle:checkpoint and Pchronicle:heartbeat, or as "unreachable" with the reason \
            when the server cannot be reached. --format json prints one object: {"log": {path, \
            identity, head, recorded_at}, "views": [{kind, path, state, seq, version, behind, \
            pid, heartbeat, beat_at}]}. Exit status: 0 printed (whatever the views' states), 1 a \
            view named is not built, refused or unreachable, 2 bad arguments (a --config file that is \
            missing), 3 the log cannot be opened or read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "YAML tree directories (default: those config/views.yaml lists).")
    var directories: [String] = []

    @Option(help: "The views file (default: config/views.yaml when it exists).")
    var config: String?

    @Option(help: "Output format: text (default) or json.")
    var format: Format = .text

    @Option(
        help:
            "A Redis view to report: the prefix its keys are under (\"\" for none); repeatable. The server from --redis or CHRONICLE_REDIS_URL."
    )
    var redisPrefix: [String] = []

    @OptionGroup var redisOptions: RedisOptions

    @OptionGroup var options: LogOptions

    func run() async throws {
        let logger = options.logger(label: "chronicle.status")
        let log = try options.openExisting(logger: logger)
        let trees = directories.isEmpty || config != nil ? directories + (try ViewsConfig.yamlTrees(path: config)) : directories
        let identity: String
        let tail: (seq: Int64, recordedAt: Timestamp, hash: [UInt8])?
        do {
            identity = try log.identity()
            tail = try log.read { tx in try tx.tail() }
        } catch {
            throw CommandFailure.unreadable(error)
        }
        let head = tail?.seq ?? 0
        let now = SystemClock.now()
        var views = trees.map { dir in
            ViewStatus.judge(
                kind: "yaml", path: dir, checkpoint: Self.read(dir, TreeSink.checkpointPath), heartbeat: Self.read(dir, Heartbeat.path),
                identity: identity, head: head, version: YAMLTree.version, now: now)
        }
        // --redis alone names the view under the empty prefix, as for verify.
        let prefixes = redisPrefix.isEmpty && redisOptions.redis != nil ? [""] : redisPrefix
        if !prefixes.isEmpty {
            let url = try redisOptions.url()
            for prefix in prefixes {
                views.append(RedisProjector.status(url: url, prefix: prefix, identity: identity, head: head, now: now))
            }
        }
        var text = ""
        switch format {
        case .text:
            text = "log \(options.path): head #\(head)"
            if let tail { text += ", last recorded \(tail.recordedAt.rfc3339)" }
            text += ", identity \(identity)\n"
            if views.isEmpty {
                text += "no views named (give tree directories or --redis-prefix P, or list trees in config/views.yaml)\n"
            }
            for view in views { text += view.text(now: now) + "\n" }
        case .json:
            var logMembers = [
                JSONMember("path", .string(options.path)), JSONMember("identity", .string(identity)),
                JSONMember("head", .number(Double(head))),
            ]
            if let tail { logMembers.append(JSONMember("recorded_at", .string(tail.recordedAt.rfc3339))) }
            text =
                JSONValue.object([JSONMember("log", .object(logMembers)), JSONMember("views", .array(views.map(\.json)))]).jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        let unusable = views.filter { if case .view = $0.found { false } else { true } }
        if !unusable.isEmpty {
            throw CommandFailure.notFound(
                "\(unusable.count) of the views named \(unusable.count == 1 ? "is" : "are") not built, refused or unreachable")
        }
    }

    /// The bytes of `DIR/relative`; nil when it cannot be read (status says what is missing).
    static func read(_ dir: String, _ relative: String) -> [UInt8]? {
        guard let tree = try? DirectoryTree(opening: dir) else { return nil }
        return (try? tree.read(relative)) ?? nil
    }
}
