public import ChronicleRedis
import Foundation

/// One test's share of a `RedisServer`: a database number no other test holds meanwhile (empty
/// when handed out), and a key prefix of its own for tests that must share a database.
public struct RedisTestDatabase: Sendable {
    /// The database number (1 and up; database 0 holds the claims).
    public let number: Int
    /// The server over TCP, on this database.
    public let url: RedisURL
    /// The server's unix socket, on this database, when the server has one.
    public let socketURL: RedisURL?
    /// A prefix no other test uses: `test:<random>:`.
    public let prefix: String
}

extension RedisServer {
    /// Runs `body` with a database of its own on this server, flushed first, and gives the
    /// database back after (also when `body` throws).
    ///
    /// A database is claimed with a key in database 0 (`chronicle-test:database:N`, expiring
    /// after an hour in case the test process dies), so tests of several processes on one server
    /// never share one. When every database is held, it waits up to 60 s for one.
    public func withDatabase<Result>(_ body: (RedisTestDatabase) throws -> Result) throws -> Result {
        let (database, token) = try claimDatabase()
        defer { release(database, token: token) }
        return try body(database)
    }

    /// `withDatabase` for an async body.
    public func withDatabase<Result>(_ body: (RedisTestDatabase) async throws -> Result) async throws -> Result {
        let (database, token) = try claimDatabase()
        defer { release(database, token: token) }
        return try await body(database)
    }

    private func claimDatabase() throws -> (RedisTestDatabase, String) {
        let connection = try RedisConnection(url: url)
        var count = 16
        if let reply = try? connection.command("CONFIG", "GET", "databases").array, reply.count == 2, let value = reply[1].integer {
            count = Int(value)
        }
        guard count > 1 else { throw Failure(description: "the test Redis server has a single database; give it several (databases 256)") }
        let token = UUID().uuidString
        let deadline = Date().addingTimeInterval(60)
        repeat {
            let start = Int.random(in: 1..<count)
            for offset in 0..<(count - 1) {
                let number = 1 + (start - 1 + offset) % (count - 1)
                let claimed = try connection.command("SET", "chronicle-test:database:\(number)", token, "NX", "EX", "3600")
                guard claimed == .status("OK") else { continue }
                var databaseURL = url
                databaseURL.database = number
                let socketURL = socketPath.map { path in
                    RedisURL(endpoint: .unix(path: path), database: number, username: url.username, password: url.password)
                }
                let flushed = try RedisConnection(url: databaseURL).command("FLUSHDB")
                guard flushed == .status("OK") else { throw Failure(description: "FLUSHDB on database \(number): \(flushed)") }
                let prefix = "test:\(token.prefix(8).lowercased()):"
                return (RedisTestDatabase(number: number, url: databaseURL, socketURL: socketURL, prefix: prefix), token)
            }
            usleep(50_000)
        } while Date() < deadline
        throw Failure(
            description:
                "every database of the test Redis server stayed held for 60 s; give it more (databases 256) or run fewer tests at once")
    }

    private static let releaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

    private func release(_ database: RedisTestDatabase, token: String) {
        guard let connection = try? RedisConnection(url: url) else { return }
        _ = try? connection.command("EVAL", Self.releaseScript, "1", "chronicle-test:database:\(database.number)", token)
    }
}
