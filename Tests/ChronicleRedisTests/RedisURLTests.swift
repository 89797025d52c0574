import ChronicleRedis
import Foundation
import Testing

@Suite struct RedisURLTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        let text: String
        let url: RedisURL
        let shown: String
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "redis://localhost", url: RedisURL(endpoint: .tcp(host: "localhost", port: 6379)), shown: "redis://localhost:6379/0"),
        Valid(
            text: "redis://127.0.0.1:6380/3", url: RedisURL(endpoint: .tcp(host: "127.0.0.1", port: 6380), database: 3),
            shown: "redis://127.0.0.1:6380/3"),
        Valid(text: "REDIS://h/", url: RedisURL(endpoint: .tcp(host: "h", port: 6379)), shown: "redis://h:6379/0"),
        Valid(
            text: "redis://:s3cret@cache.internal:6379/2",
            url: RedisURL(endpoint: .tcp(host: "cache.internal", port: 6379), database: 2, password: "s3cret"),
            shown: "redis://:***@cache.internal:6379/2"),
        Valid(
            text: "redis://alice:s3cret@h:1/0",
            url: RedisURL(endpoint: .tcp(host: "h", port: 1), username: "alice", password: "s3cret"),
            shown: "redis://alice:***@h:1/0"),
        Valid(
            // A user with no password in the URL is masked: it may be a password missing its ':'.
            text: "redis://alice@h", url: RedisURL(endpoint: .tcp(host: "h", port: 6379), username: "alice"),
            shown: "redis://***@h:6379/0"),
        // Percent-decoding, and a raw password holding '@', '/', '?' and '#': the credentials end at the last '@'.
        Valid(
            text: "redis://al%20ice:p%40ss%3Aw%2Fd@h",
            url: RedisURL(endpoint: .tcp(host: "h", port: 6379), username: "al ice", password: "p@ss:w/d"),
            shown: "redis://al%20ice:***@h:6379/0"),
        Valid(
            text: "redis://:p@s/s?w#d@h:7000/1",
            url: RedisURL(endpoint: .tcp(host: "h", port: 7000), database: 1, password: "p@s/s?w#d"),
            shown: "redis://:***@h:7000/1"),
        Valid(text: "redis://[::1]:6379/0", url: RedisURL(endpoint: .tcp(host: "::1", port: 6379)), shown: "redis://[::1]:6379/0"),
        Valid(text: "redis://[::1]", url: RedisURL(endpoint: .tcp(host: "::1", port: 6379)), shown: "redis://[::1]:6379/0"),
        Valid(
            text: "unix:///run/redis/redis.sock", url: RedisURL(endpoint: .unix(path: "/run/redis/redis.sock")),
            shown: "unix:///run/redis/redis.sock?db=0"),
        Valid(
            text: "unix:///tmp/r.sock?db=5&password=pa%26ss&user=bob",
            url: RedisURL(endpoint: .unix(path: "/tmp/r.sock"), database: 5, username: "bob", password: "pa&ss"),
            shown: "unix:///tmp/r.sock?db=5&user=bob&password=***"),
        Valid(
            text: "unix:///tmp/with%20space.sock?db=1", url: RedisURL(endpoint: .unix(path: "/tmp/with space.sock"), database: 1),
            shown: "unix:///tmp/with space.sock?db=1"),
    ]

    @Test(arguments: valid) func parses(_ valid: Valid) throws {
        let url = try RedisURL(parsing: valid.text)
        #expect(url == valid.url)
        #expect(url.description == valid.shown)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        let text: String
        let says: String
        var testDescription: String { text }
    }

    /// Each holds the password `hunter2` where it can, which no message may show.
    static let invalid: [Invalid] = [
        Invalid(text: "", says: "does not start with redis:// or unix://"),
        Invalid(text: "127.0.0.1:6379", says: "does not start with redis://"),
        Invalid(text: "user:hunter2@127.0.0.1:6379", says: "does not start with redis://"),
        Invalid(text: "http://:hunter2@h/0", says: "the scheme 'http' is neither redis nor unix"),
        Invalid(text: "redis://:hunter2@", says: "names no host"),
        Invalid(text: "redis://:hunter2@:6379/0", says: "names no host"),
        Invalid(text: "redis://:hunter2@h:0/0", says: "the port '0' is not a number from 1 to 65535"),
        Invalid(text: "redis://:hunter2@h:65536", says: "the port '65536' is not"),
        Invalid(text: "redis://:hunter2@h:port/0", says: "the port is not a number"),
        Invalid(text: "redis://h:hunter2", says: "the port is not a number"),
        Invalid(text: "redis://:hunter2@h:6379/-1", says: "the database '-1' is not a number from 0 up"),
        Invalid(text: "redis://:hunter2@h:6379/db1", says: "the database is not a number"),
        Invalid(text: "redis://:hunter2@h/hunter2", says: "the database is not a number"),
        Invalid(text: "redis://:hunter2@h:6379/0?ssl=true", says: "the database is not a number"),
        Invalid(text: "redis://:hunter2@[::1:6379", says: "no closing ']'"),
        Invalid(text: "redis://:hunter2@[::1]x", says: "is not ':port'"),
        Invalid(text: "redis://:hunter2@a b:6379", says: "the host is not a host name"),
        Invalid(text: "redis://:hunter2%zz@h", says: "the password has a '%' not followed by two hexadecimal digits"),
        Invalid(text: "redis://us%4@h", says: "the user has a '%'"),
        Invalid(text: "redis://:%FF%FE@h", says: "the password, percent-decoded, is not UTF-8"),
        Invalid(text: "unix://run/redis.sock", says: "takes an absolute socket path"),
        Invalid(text: "unix://", says: "takes an absolute socket path"),
        Invalid(text: "unix:///?db=1", says: "names no socket path"),
        Invalid(text: "unix:///r.sock?db=x", says: "the database is not a number"),
        Invalid(text: "unix:///r.sock?hunter2", says: "a query parameter has no '='"),
        Invalid(text: "unix:///r.sock?pass=hunter2", says: "the query parameter 'pass' is not db, user or password"),
        Invalid(text: "unix:///r.sock?db=1&db=2", says: "the query parameter 'db' is given twice"),
        Invalid(text: "unix:///r.sock?password=hunter2%", says: "the password has a '%'"),
        Invalid(text: "unix:///r.sock&password=hunter2", says: "a query starts with '?'"),
    ]

    @Test(arguments: invalid) func refuses(_ invalid: Invalid) {
        let error = #expect(throws: RedisError.self) { try RedisURL(parsing: invalid.text) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(invalid.says), "\(message)")
        let form =
            "write redis://[user@]host:port/db or unix:///path/redis.sock?db=N (a password goes in CHRONICLE_REDIS_URL or a password file)"
        #expect(message.contains(form))
        #expect(!message.contains("hunter2"))
    }

    @Test func refusesTLS() {
        let error = #expect(throws: RedisError.self) { try RedisURL(parsing: "rediss://:hunter2@h:6380/0") }
        #expect(error == .tlsUnsupported)
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("no TLS"))
        #expect(message.contains("hiredis"))
        #expect(!message.contains("hunter2"))
    }

    @Test func neverShowsThePassword() throws {
        for text in ["redis://bob:hunter2@h:1/2", "unix:///s.sock?password=hunter2&user=bob"] {
            let url = try RedisURL(parsing: text)
            var dumped = ""
            dump(url, to: &dumped)
            for shown in ["\(url)", String(reflecting: url), url.server, dumped, "\([url])"] {
                #expect(!shown.contains("hunter2"), "\(shown)")
            }
            #expect("\(url)".contains("***"))
            #expect(dumped.contains("***"))
        }
    }

    // MARK: Where the URL and the password come from

    @Test func argumentWinsOverTheEnvironment() throws {
        let url = try RedisURL.resolve(argument: "redis://h:1/2", environment: [RedisURL.environmentVariable: "redis://:pw@other/0"])
        #expect(url == RedisURL(endpoint: .tcp(host: "h", port: 1), database: 2))
    }

    @Test func environmentMayHoldThePassword() throws {
        let url = try RedisURL.resolve(argument: nil, environment: [RedisURL.environmentVariable: "redis://bob:hunter2@h/3"])
        #expect(url == RedisURL(endpoint: .tcp(host: "h", port: 6379), database: 3, username: "bob", password: "hunter2"))
    }

    @Test func aPasswordOnTheCommandLineIsRefused() {
        for argument in ["redis://:hunter2@h:6379/0", "redis://bob:hunter2@h", "unix:///s.sock?password=hunter2"] {
            let error = #expect(throws: RedisError.self) { try RedisURL.resolve(argument: argument, environment: [:]) }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("ps"), "\(message)")
            #expect(message.contains("--redis-password-file"))
            #expect(message.contains("CHRONICLE_REDIS_URL"))
            #expect(!message.contains("hunter2"), "\(message)")
        }
    }

    @Test func thePasswordFileGivesThePassword() throws {
        for contents in ["hunter2", "hunter2\n", "hunter2\r\n", "hunter2\nsecond line\n"] {
            let url = try RedisURL.resolve(
                argument: "redis://bob@h:1/0", environment: [:], passwordFile: (path: "/run/secrets/redis", contents: contents))
            #expect(url == RedisURL(endpoint: .tcp(host: "h", port: 1), username: "bob", password: "hunter2"))
        }
        let fromEnvironment = try RedisURL.resolve(
            argument: nil, environment: [RedisURL.environmentVariable: "unix:///s.sock?db=1"], passwordFile: (path: "p", contents: "x y\n"))
        #expect(fromEnvironment.password == "x y")
    }

    @Test func anEmptyPasswordFileIsRefused() {
        for contents in ["", "\n", "\r\nhunter2"] {
            let error = #expect(throws: RedisError.self) {
                try RedisURL.resolve(argument: "redis://h", environment: [:], passwordFile: (path: "/p", contents: contents))
            }
            #expect(error == .passwordFile(path: "/p", reason: "its first line is empty"))
        }
    }

    @Test func twoPasswordsAreRefused() {
        let error = #expect(throws: RedisError.self) {
            try RedisURL.resolve(
                argument: nil, environment: [RedisURL.environmentVariable: "redis://:hunter2@h"],
                passwordFile: (path: "/p", contents: "other"))
        }
        #expect(error == .twoPasswords(path: "/p"))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("hunter2"))
    }

    @Test func noURLSaysWhatToPass() {
        for environment in [[:], [RedisURL.environmentVariable: ""]] {
            let error = #expect(throws: RedisError.self) { try RedisURL.resolve(argument: nil, environment: environment) }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("--redis redis://127.0.0.1:6379/0"))
            #expect(message.contains("CHRONICLE_REDIS_URL"))
            #expect(message.contains("redis-server --port 6379"))
        }
    }

    @Test func readsThePasswordFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("redis-password-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: RedisError.passwordFile(path: path, reason: "it does not exist or cannot be read")) {
            try RedisURL.readPasswordFile(atPath: path)
        }
        try Data("hunter2\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try RedisURL.readPasswordFile(atPath: path) == "hunter2\n")
    }
}
