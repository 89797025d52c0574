/// Where a Redis server is and how to log in to it: `redis://[user:password@]host:port/db` or
/// `unix:///path/redis.sock?db=N[&user=U&password=P]`.
///
/// The port defaults to 6379 and the database to 0. User and password are percent-decoded.
/// `rediss://` is refused: the system hiredis (0.14) has no TLS. `description` never shows the
/// password (`redis://user:***@host:6379/0`), nor does `debugDescription` or a mirror.
public struct RedisURL: Sendable, Hashable {
    /// A TCP host and port, or a unix socket's path.
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var endpoint: Endpoint
    /// The database number `SELECT`ed after connecting.
    public var database: Int
    /// The ACL user (Redis 6 and later); `nil` logs in as the default user.
    public var username: String?
    /// The password `AUTH` sends; `nil` sends no `AUTH`.
    public var password: String?

    public init(endpoint: Endpoint, database: Int = 0, username: String? = nil, password: String? = nil) {
        self.endpoint = endpoint
        self.database = database
        self.username = username
        self.password = password
    }

    /// The server's address without credentials or database, for messages: `host:port` or the socket path.
    public var server: String {
        switch endpoint {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): path
        }
    }
}

extension RedisURL: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The URL with the password masked: `redis://user:***@host:6379/0`, `unix:///run/redis.sock?db=2&password=***`.
    /// A user named without a password in the URL is masked too (`redis://***@host`): it may be
    /// a password written without its ':'.
    public var description: String {
        switch endpoint {
        case .tcp:
            var credentials = ""
            if let username { credentials = password == nil ? "***" : Self.percentEncoded(username) }
            if password != nil { credentials += ":***" }
            if !credentials.isEmpty { credentials += "@" }
            return "redis://\(credentials)\(server)/\(database)"
        case .unix(let path):
            var text = "unix://\(path)?db=\(database)"
            if let username { text += "&user=\(password == nil ? "***" : Self.percentEncoded(username))" }
            if password != nil { text += "&password=***" }
            return text
        }
    }

    public var debugDescription: String { description }

    /// A mirror without the password, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "endpoint": endpoint, "database": database, "username": username as Any, "password": password == nil ? "nil" : "***",
            ],
            displayStyle: .struct
        )
    }

    /// `text` with what cannot stand in a URL's user part percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
