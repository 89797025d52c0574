extension RedisURL {
    /// Reads `redis://[user:password@]host[:port][/db]` or `unix:///path/redis.sock[?db=N&user=U&password=P]`.
    ///
    /// The credentials end at the last `@`, so a password with `/`, `?`, `#` or `@` in it may be
    /// written as it is or percent-encoded. A user without a password (`redis://alice@host`) is
    /// kept for a password given elsewhere (`--redis-password-file`). Errors never quote the user
    /// or password.
    /// - Throws: `RedisError.invalidURL` naming the part at fault, `RedisError.tlsUnsupported` for `rediss://`.
    public init(parsing text: String) throws(RedisError) {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw .invalidURL(reason: "it does not start with redis:// or unix://")
        }
        let scheme = text[..<colon].lowercased()
        let rest = String(text[text.index(colon, offsetBy: 3)...])
        switch scheme {
        case "redis": self = try Self.parseTCP(rest)
        case "unix": self = try Self.parseUnix(rest)
        case "rediss": throw .tlsUnsupported
        default:
            let shown = scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) } ? "'\(scheme)'" : "before ://"
            throw .invalidURL(reason: "the scheme \(shown) is neither redis nor unix")
        }
    }

    private static func parseTCP(_ rest: String) throws(RedisError) -> RedisURL {
        var username: String?
        var password: String?
        var location = Substring(rest)
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            location = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                username = try nonEmpty(decoded(userinfo[..<colon], part: "user"))
                password = try nonEmpty(decoded(userinfo[userinfo.index(after: colon)...], part: "password"))
            } else {
                username = try nonEmpty(decoded(userinfo, part: "user"))
            }
        }
        let hostPort: Substring
        let path: Substring
        if let slash = location.firstIndex(of: "/") {
            (hostPort, path) = (location[..<slash], location[location.index(after: slash)...])
        } else {
            (hostPort, path) = (location, "")
        }
        let host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw .invalidURL(reason: "the IPv6 host has no closing ']' (redis://[::1]:6379/0)")
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL(reason: "what follows the IPv6 host's ']' is not ':port'") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "it names no host (redis://127.0.0.1:6379/0)") }
        guard !host.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" || (!hostPort.hasPrefix("[") && $0 == ":") }) else {
            throw .invalidURL(reason: "the host is not a host name or address (no spaces, '?', '#'; an IPv6 address goes in [ ])")
        }
        var port = 6379
        if let portText {
            guard let number = Int(portText), portText.allSatisfy(\.isASCII), (1...65535).contains(number) else {
                throw .invalidURL(reason: "the port\(quotedIfNumeric(portText)) is not a number from 1 to 65535")
            }
            port = number
        }
        var database = 0
        if !path.isEmpty { database = try databaseNumber(path) }
        return RedisURL(endpoint: .tcp(host: String(host), port: port), database: database, username: username, password: password)
    }

    private static func parseUnix(_ rest: String) throws(RedisError) -> RedisURL {
        guard rest.hasPrefix("/") else {
            throw .invalidURL(reason: "a unix:// URL takes an absolute socket path after the two slashes (unix:///run/redis/redis.sock)")
        }
        let path: Substring
        let query: Substring?
        if let question = rest.firstIndex(of: "?") {
            (path, query) = (rest[..<question], rest[rest.index(after: question)...])
        } else {
            (path, query) = (Substring(rest), nil)
        }
        // A query written with '&' for '?' would make its password part of the path, shown
        // wherever the URL is.
        guard !path.contains("&"), !path.contains("=") else {
            throw .invalidURL(reason: "the socket path holds '&' or '=': a query starts with '?' (unix:///run/redis.sock?db=0)")
        }
        let socket = try decoded(path, part: "socket path")
        guard socket.count > 1 else { throw .invalidURL(reason: "it names no socket path (unix:///run/redis/redis.sock)") }
        var url = RedisURL(endpoint: .unix(path: socket))
        var seen: Set<Substring> = []
        for parameter in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = parameter.firstIndex(of: "=") else {
                throw .invalidURL(reason: "a query parameter has no '=' (db=N, user=U, password=P)")
            }
            let name = parameter[..<equals]
            let value = parameter[parameter.index(after: equals)...]
            let shownName = name.count <= 20 && name.allSatisfy({ $0.isLetter || $0 == "_" }) ? "'\(name)'" : "before an '='"
            guard !seen.contains(name) else { throw .invalidURL(reason: "the query parameter \(shownName) is given twice") }
            seen.insert(name)
            switch name {
            case "db": url.database = try databaseNumber(value)
            case "user": url.username = try nonEmpty(decoded(value, part: "user"))
            case "password": url.password = try nonEmpty(decoded(value, part: "password"))
            default: throw .invalidURL(reason: "the query parameter \(shownName) is not db, user or password")
            }
        }
        return url
    }

    private static func databaseNumber(_ text: Substring) throws(RedisError) -> Int {
        guard let number = Int(text), text.allSatisfy(\.isASCII), text.first != "+", number >= 0, number <= Int(Int32.max) else {
            throw .invalidURL(reason: "the database\(quotedIfNumeric(text)) is not a number from 0 up")
        }
        return number
    }

    /// ` 'text'` when it is a short run of digits and signs, else nothing: a part the parser did
    /// not expect may be a password written in the wrong place.
    private static func quotedIfNumeric(_ text: Substring) -> String {
        text.count <= 24 && text.allSatisfy({ "0123456789+-".contains($0) }) ? " '\(text)'" : ""
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    /// `text` with its `%XX` escapes decoded; `part` names it in the error (never its value).
    static func decoded(_ text: Substring, part: String) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = hexValue(utf8.removeFirst()), let low = hexValue(utf8.removeFirst()) else {
                throw .invalidURL(reason: "the \(part) has a '%' not followed by two hexadecimal digits")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidURL(reason: "the \(part), percent-decoded, is not UTF-8")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
