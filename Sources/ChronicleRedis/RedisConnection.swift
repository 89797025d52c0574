internal import CHiredis

/// A connection to one Redis server through hiredis: connected, logged in (`AUTH`) and on its
/// database (`SELECT`) once `init` returns; commands are sent pipelined (`send`).
///
/// Not `Sendable`, and not thread-safe: a connection is used by one thread (or one task) at a
/// time, as hiredis's blocking context is. Whoever needs Redis from several threads opens one
/// connection per thread. The connection closes on `close()` or when released.
///
/// The server speaks RESP2 to it (hiredis 0.14 reads nothing else); no TLS (`rediss://` is
/// refused by `RedisURL`).
public final class RedisConnection {
    /// Where this connection goes; its `description` masks the password.
    public let url: RedisURL
    private let replyTimeout: Duration?
    private var context: UnsafeMutablePointer<redisContext>?

    /// Connects, logs in and selects the URL's database, then checks the server answers (one
    /// round trip: `AUTH`, `SELECT`, `PING` pipelined).
    ///
    /// - Parameters:
    ///   - connectTimeout: how long the TCP or socket connection may take.
    ///   - replyTimeout: how long a reply may take to start arriving (a read or write that waits
    ///     longer fails with `.connectionLost`); `nil` waits for ever.
    /// - Throws: `RedisError.connectionRefused`, `.unreachable`, `.authFailed`, `.serverError`
    ///   (`SELECT` of a database the server does not have), `.connectionLost`.
    public init(url: RedisURL, connectTimeout: Duration = .seconds(5), replyTimeout: Duration? = .seconds(60)) throws(RedisError) {
        self.url = url
        self.replyTimeout = replyTimeout
        let timeout = chronicle_hiredis_timeval(Self.milliseconds(connectTimeout))
        let connected: UnsafeMutablePointer<redisContext>? =
            switch url.endpoint {
            case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), timeout)
            case .unix(let path): redisConnectUnixWithTimeout(path, timeout)
            }
        guard let connected else { throw .connectionLost(server: url.server, detail: "hiredis could not allocate a connection") }
        context = connected
        if connected.pointee.err != 0 {
            let detail = Self.errorText(connected)
            close()
            if detail.lowercased().contains("refused") { throw .connectionRefused(server: url.server) }
            let timedOut = detail.lowercased().contains("timed out") || detail.contains("in progress")
            throw .unreachable(server: url.server, detail: timedOut ? "no answer within \(connectTimeout)" : detail)
        }
        if let replyTimeout { _ = redisSetTimeout(connected, chronicle_hiredis_timeval(Self.milliseconds(replyTimeout))) }
        try greet()
    }

    deinit { close() }

    /// Closes the connection; sending on it afterwards throws `RedisError.closed`.
    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Whether the connection is open (not closed, and not broken by an I/O or protocol error).
    public var isOpen: Bool { context != nil }

    /// Sends `commands` in one pipeline and reads one reply for each, in order.
    ///
    /// Arguments are binary-safe. An error reply is a `RedisReply.error` in its place, not a
    /// thrown error. An I/O or protocol error breaks the connection (it is closed; replies not yet
    /// read are lost) and is thrown.
    /// - Complexity: one round trip for the whole pipeline; the commands are buffered in memory
    ///   until sent, so callers keep pipelines to a bounded size (a batch).
    /// - Precondition: no command is empty.
    public func send(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        precondition(commands.allSatisfy { !$0.isEmpty }, "a Redis command needs at least its name")
        var bytes: [UInt8] = []
        for command in commands { RedisCommandEncoding.append(command, to: &bytes) }
        return try send(encoded: bytes, count: commands.count)
    }

    /// The next `count` replies, in order.
    private func replies(_ count: Int, _ context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> [RedisReply] {
        var replies: [RedisReply] = []
        replies.reserveCapacity(count)
        for _ in 0..<count {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw brokenConnection() }
            replies.append(Self.reply(from: raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Sends `commands` (text arguments, sent as their UTF-8 bytes) in one pipeline; see `send(_:)` for bytes.
    public func send(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        precondition(commands.allSatisfy { !$0.isEmpty }, "a Redis command needs at least its name")
        return try send(encoded: RedisCommandEncoding.encode(commands), count: commands.count)
    }

    /// Sends `bytes`, `count` commands in RESP, in one pipeline, and reads one reply for each.
    private func send(encoded bytes: [UInt8], count: Int) throws(RedisError) -> [RedisReply] {
        guard let context else { throw .closed(server: url.server) }
        let appended = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress, $0.count) }
        }
        guard appended == REDIS_OK else { throw brokenConnection() }
        return try replies(count, context)
    }

    /// Sends one command and returns its reply: `try connection.command("HGETALL", "tasks:t1")`.
    public func command(_ arguments: String...) throws(RedisError) -> RedisReply {
        try send([arguments])[0]
    }

    /// Sends `PING` and checks the answer is `PONG`.
    /// - Throws: `RedisError.serverError` when the server answers something else.
    public func ping() throws(RedisError) {
        let reply = try command("PING")
        guard reply == .status("PONG") else {
            throw .serverError(server: url.server, command: "PING", message: reply.errorMessage ?? "answered \(reply)")
        }
    }

    /// `AUTH` (with the user when there is one), `SELECT` and `PING`, in one round trip.
    private func greet() throws(RedisError) {
        var commands: [[String]] = []
        if let password = url.password { commands.append(["AUTH"] + (url.username.map { [$0] } ?? []) + [password]) }
        if url.database != 0 { commands.append(["SELECT", String(url.database)]) }
        commands.append(["PING"])
        let replies: [RedisReply]
        do { replies = try send(commands) } catch {
            close()
            throw error
        }
        for (command, reply) in zip(commands, replies) {
            guard let message = reply.errorMessage else { continue }
            close()
            if command[0] == "AUTH" || message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
                let detail =
                    command[0] == "AUTH" || url.password != nil
                    ? message : "\(message) — the server wants a password and the URL gives none"
                throw .authFailed(server: url.server, detail: detail)
            }
            let name = command[0] == "SELECT" ? "SELECT \(url.database) (the URL's database)" : command[0]
            throw .serverError(server: url.server, command: name, message: message)
        }
    }

    /// The error the context holds, after closing the connection it broke.
    private func brokenConnection() -> RedisError {
        guard let context else { return .closed(server: url.server) }
        var detail = Self.errorText(context)
        if detail.contains("temporarily unavailable"), let replyTimeout { detail = "no reply within \(replyTimeout)" }
        if detail.isEmpty { detail = "hiredis reported an error without a message" }
        close()
        return .connectionLost(server: url.server, detail: detail)
    }

    private static func reply(from pointer: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = pointer.pointee
        func bytes() -> [UInt8] {
            guard let text = reply.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: text, count: reply.len))
        }
        switch reply.type {
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_STRING: return .bulk(bytes())
        case REDIS_REPLY_ARRAY: return .array((0..<reply.elements).map { Self.reply(from: reply.element[$0]!) })
        default: return .null
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

@available(*, unavailable, message: "a RedisConnection is used by one thread at a time; open one per thread")
extension RedisConnection: Sendable {}
