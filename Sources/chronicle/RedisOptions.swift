import ArgumentParser
import ChronicleCore
import ChronicleRedis
import Foundation

/// The options that name a Redis server, shared by the commands that use one: `--redis` (never
/// with a password) or `CHRONICLE_REDIS_URL`, and `--redis-password-file`.
struct RedisOptions: ParsableArguments {
    @Option(help: "The Redis server: redis://[user@]host:port/db or unix:///path?db=N (default: $CHRONICLE_REDIS_URL). No password here.")
    var redis: String?

    @Option(help: "A file whose first line is the Redis server's password.")
    var redisPasswordFile: String?

    /// The server's URL with its password, from wherever it may come (``RedisURL/resolve``).
    func url() throws -> RedisURL {
        do {
            let file = try redisPasswordFile.map { path throws(RedisError) in (path, try RedisURL.readPasswordFile(atPath: path)) }
            return try RedisURL.resolve(argument: redis, environment: ProcessInfo.processInfo.environment, passwordFile: file)
        } catch {
            throw RedisFailure.arguments(error)
        }
    }
}

/// Why a command that uses a Redis server stopped, with its exit status.
enum RedisFailure: ExitingError {
    /// The URL or where its password comes from.
    case arguments(RedisError)
    /// The server cannot be reached, or refused the login.
    case server(RedisError)

    var exitStatus: Int32 {
        switch self {
        case .arguments: ExitStatus.badArguments
        case .server: 4
        }
    }

    var description: String {
        switch self {
        case .arguments(.noURL):
            "no Redis server named: give --redis redis://host:port/db (a password through CHRONICLE_REDIS_URL or --redis-password-file), or set CHRONICLE_REDIS_URL; to start a local server: redis-server --port 6379 --save '' --appendonly no"
        case .arguments(let error), .server(let error): "\(error)"
        }
    }
}
