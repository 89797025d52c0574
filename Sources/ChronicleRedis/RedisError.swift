/// What went wrong between Chronicle and a Redis server, or with the URL that names one.
///
/// Each case's `description` says what happened and what to do. None of them ever carries a
/// password: URLs are shown through `RedisURL.description` (password masked), a malformed URL's
/// reason quotes only the parts that cannot hold one, and the commands a server refused are
/// named, never shown with their arguments (`AUTH`'s are the password).
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be read; `reason` names the part at fault (never the user or password).
    case invalidURL(reason: String)
    /// A `rediss://` URL: the system hiredis (0.14, Debian's `libhiredis-dev`) has no TLS.
    case tlsUnsupported
    /// `--redis` was given a URL holding a password, which `ps` and shell history would show.
    case passwordInArgument(url: String)
    /// Neither `--redis` nor `CHRONICLE_REDIS_URL` names a server.
    case noURL
    /// The password file could not be used.
    case passwordFile(path: String, reason: String)
    /// A password came both from `CHRONICLE_REDIS_URL` and from the password file.
    case twoPasswords(path: String)
    /// Nothing listens at the address (the host is up, the port or socket is closed).
    case connectionRefused(server: String)
    /// The server could not be reached: unknown host, no route, no answer within the timeout, no such socket.
    case unreachable(server: String, detail: String)
    /// The server refused the credentials (or wants some and none were given).
    case authFailed(server: String, detail: String)
    /// The connection broke or a reply could not be read (closed by the server, timed out, not RESP).
    case connectionLost(server: String, detail: String)

    /// Whether it may pass by itself (a server not up yet, or gone for a while, a connection
    /// dropped) rather than be a setting to fix (a URL, a password).
    public var isTransient: Bool {
        switch self {
        case .connectionRefused, .unreachable, .connectionLost: true
        default: false
        }
    }
    /// A command the connection sends itself (`SELECT`, `PING`) got an error reply.
    case serverError(server: String, command: String, message: String)
    /// The connection was used after it was closed or broke.
    case closed(server: String)

    public var description: String {
        switch self {
        case .invalidURL(let reason):
            return
                "the Redis URL is not valid: \(reason); write redis://[user@]host:port/db or unix:///path/redis.sock?db=N (a password goes in CHRONICLE_REDIS_URL or a password file)"
        case .tlsUnsupported:
            return
                "rediss:// (TLS) is not supported: the system hiredis (libhiredis-dev 0.14) has no TLS; use redis:// on a trusted network or a unix:// socket, or reach a TLS server through a local tunnel (stunnel, ssh -L)"
        case .passwordInArgument(let url):
            return
                "--redis \(url) holds a password, which any user would see in ps and which stays in shell history; give --redis without the password and put it, alone on the first line, in a file named by --redis-password-file, or set CHRONICLE_REDIS_URL to the whole URL"
        case .noURL:
            return
                "no Redis server named: pass --redis redis://127.0.0.1:6379/0 (or unix:///path/redis.sock) or set CHRONICLE_REDIS_URL; to start a local server for a try: redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no"
        case .passwordFile(let path, let reason):
            return "the Redis password file \(path) cannot be used: \(reason); put the password alone on its first line"
        case .twoPasswords(let path):
            return
                "CHRONICLE_REDIS_URL holds a password and --redis-password-file \(path) gives one too; keep one of them (remove the password from the URL, or drop the option)"
        case .connectionRefused(let server):
            return "cannot connect to Redis at \(server): connection refused; start redis-server there or correct the URL's host and port"
        case .unreachable(let server, let detail):
            return "cannot reach Redis at \(server): \(detail); check the host (or socket path) and that the server is running"
        case .authFailed(let server, let detail):
            return
                "Redis at \(server) refused the credentials (\(detail)); check the user and the password in CHRONICLE_REDIS_URL or the --redis-password-file"
        case .connectionLost(let server, let detail):
            return "the connection to Redis at \(server) failed: \(detail); check that the server is running, then retry"
        case .serverError(let server, let command, let message):
            let advice =
                command.hasPrefix("SELECT")
                ? "use a database number the server has (its databases setting, 16 by default)"
                : "check the server's configuration and version"
            return "Redis at \(server) refused \(command): \(message); \(advice)"
        case .closed(let server):
            return "the connection to Redis at \(server) is closed; open a new one"
        }
    }
}
