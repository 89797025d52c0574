import ChronicleRedis
import ChronicleTesting
import Foundation
import Testing

/// Against a real redis-server: the one tools/test started, or one started for this process.
@Suite struct RedisConnectionTests {
    @Test func connectsAndPings() throws {
        try RedisServer.shared().withDatabase { database in
            let connection = try RedisConnection(url: database.url)
            try connection.ping()
            #expect(try connection.command("CLIENT", "INFO").string?.contains("db=\(database.number)") == true)
            #expect(connection.isOpen)
        }
    }

    @Test func pipelinesARoundTrip() throws {
        try RedisServer.shared().withDatabase { database in
            let connection = try RedisConnection(url: database.url)
            let task = database.prefix + "tasks:t1"
            let replies = try connection.send([
                ["HSET", task, "title", "Login form", "status", "pending"],
                ["HGETALL", task],
                ["SADD", database.prefix + "idx:intent:feature", "t1", "t2", "t1"],
                ["SMEMBERS", database.prefix + "idx:intent:feature"],
                ["ZADD", database.prefix + "idx:confidence", "0.85", "t1", "0.6", "t2"],
                ["ZRANGE", database.prefix + "idx:confidence", "0", "-1", "WITHSCORES"],
                ["MULTI"],
                ["HSET", task, "status", "in_progress"],
                ["SREM", database.prefix + "idx:intent:feature", "t2"],
                ["PUBLISH", database.prefix + "chronicle:changes", "su:t1|in_progress|0.4"],
                ["EXEC"],
                ["HGET", task, "status"],
                ["HGET", task, "missing"],
                ["LPUSH", task, "x"],
            ])
            #expect(replies.count == 14)
            #expect(replies[0] == .integer(2))
            #expect(
                replies[1]
                    == .array([
                        .bulk(Array("title".utf8)), .bulk(Array("Login form".utf8)), .bulk(Array("status".utf8)),
                        .bulk(Array("pending".utf8)),
                    ]))
            #expect(replies[2] == .integer(2))
            #expect(Set(replies[3].array?.compactMap(\.string) ?? []) == ["t1", "t2"])
            #expect(replies[4] == .integer(2))
            #expect(replies[5].array?.compactMap(\.string) == ["t2", "0.59999999999999998", "t1", "0.84999999999999998"])
            #expect(replies[6] == .status("OK"))
            #expect(replies[7...9].allSatisfy { $0 == .status("QUEUED") })
            #expect(replies[10] == .array([.integer(0), .integer(1), .integer(0)]))
            #expect(replies[11].string == "in_progress")
            #expect(replies[12] == .null)
            #expect(replies[13].errorMessage?.hasPrefix("WRONGTYPE") == true)
            // An error reply is a value: the connection goes on.
            #expect(try connection.command("SISMEMBER", database.prefix + "idx:intent:feature", "t2") == .integer(0))
        }
    }

    @Test func valuesAreBinarySafe() throws {
        try RedisServer.shared().withDatabase { database in
            let connection = try RedisConnection(url: database.url)
            let key = Array((database.prefix + "bin:").utf8) + [0, 0xFF, 0x0D, 0x0A]
            let value: [UInt8] = (0...255).map(UInt8.init) + Array("\r\n$-1\r\n*3\r\n".utf8) + [0]
            let large = [UInt8](repeating: 0xAB, count: 1 << 20)
            let replies = try connection.send([
                [Array("SET".utf8), key, value],
                [Array("GET".utf8), key],
                [Array("SET".utf8), key, []],
                [Array("GET".utf8), key],
                [Array("SET".utf8), key, large],
                [Array("STRLEN".utf8), key],
                [Array("GET".utf8), key],
            ])
            #expect(replies[0] == .status("OK"))
            #expect(replies[1] == .bulk(value))
            #expect(replies[3] == .bulk([]))
            #expect(replies[5] == .integer(1 << 20))
            let sameLargeValue = replies[6] == .bulk(large)  // not compared in #expect, which would print 1 MiB twice
            #expect(sameLargeValue, "the 1 MiB value came back changed")
        }
    }

    @Test func textIsSentAsItsUTF8Bytes() throws {
        #expect(
            RedisCommandEncoding.encode([["SET", "k", ""], ["ECHO", "é🙂"]])
                == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$4\r\nECHO\r\n$6\r\né🙂\r\n".utf8))
        try RedisServer.shared().withDatabase { database in
            let connection = try RedisConnection(url: database.url)
            let key = database.prefix + "text:ключ {*}"
            let value = String(repeating: "é🙂\r\n", count: 1_000)
            let replies = try connection.send([["SET", key, value], ["STRLEN", key], ["GET", key]])
            #expect(replies == [.status("OK"), .integer(Int64(value.utf8.count)), .bulk(Array(value.utf8))])
        }
    }

    @Test func aWrongPasswordIsRefusedWithoutShowingIt() throws {
        let server = try RedisServer.shared()
        let wrong = "wrong-\(UUID().uuidString)"
        for url in [server.url, server.socketPath.map { RedisURL(endpoint: .unix(path: $0)) }].compactMap({ $0 }) {
            var wrongURL = url
            wrongURL.password = wrong
            let error = #expect(throws: RedisError.self) { try RedisConnection(url: wrongURL) }
            guard case .authFailed(let shownServer, let detail) = error else {
                Issue.record("expected authFailed, got \(String(describing: error))")
                continue
            }
            #expect(shownServer == url.server)
            #expect(detail.contains("WRONGPASS"), "\(detail)")
            let message = "\(error!)"
            #expect(message.contains("refused the credentials"))
            #expect(!message.contains(wrong), "\(message)")
            if let real = server.url.password { #expect(!message.contains(real)) }
        }
    }

    @Test func aUserTheServerDoesNotKnowIsRefused() throws {
        var url = try RedisServer.shared().url
        url.username = "nobody-\(UUID().uuidString.prefix(8))"
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: url) }
        guard case .authFailed = error else {
            Issue.record("expected authFailed, got \(String(describing: error))")
            return
        }
        if let password = url.password { #expect(!"\(error!)".contains(password)) }
    }

    @Test func noPasswordWhenOneIsWantedSaysSo() throws {
        var url = try RedisServer.shared().url
        url.password = nil
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: url) }
        guard case .authFailed(_, let detail) = error else {
            Issue.record("expected authFailed, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("NOAUTH"))
        #expect(detail.contains("the URL gives none"))
    }

    @Test func aClosedPortIsRefusedQuickly() throws {
        let port = try RedisServer.freeLoopbackPort()
        let url = RedisURL(endpoint: .tcp(host: "127.0.0.1", port: port), password: "hunter2-\(UUID().uuidString)")
        let started = ContinuousClock.now
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: url, connectTimeout: .seconds(2)) }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(error == .connectionRefused(server: "127.0.0.1:\(port)"))
        let message = "\(error!)"
        #expect(message.contains("cannot connect to Redis at 127.0.0.1:\(port): connection refused"))
        #expect(!message.contains(url.password!))
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        // A socket that listens but never accepts: the connection is made (the kernel's backlog), no reply comes.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 4) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let url = RedisURL(endpoint: .tcp(host: "127.0.0.1", port: port), password: "hunter2")
        let started = ContinuousClock.now
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: url, replyTimeout: .milliseconds(300)) }
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(error == .connectionLost(server: "127.0.0.1:\(port)", detail: "no reply within 0.3 seconds"))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("hunter2"))
    }

    @Test func aMissingSocketIsUnreachable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-redis-\(UUID().uuidString).sock").path
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: RedisURL(endpoint: .unix(path: path))) }
        guard case .unreachable(let server, let detail) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(server == path)
        #expect(detail.contains("No such file"), "\(detail)")
    }

    @Test func aUnixSocketURLWorks() throws {
        let server = try RedisServer.shared()
        try server.withDatabase { database in
            let socketURL = try #require(database.socketURL, "the test server has no unix socket (\(RedisServer.socketVariable))")
            // Through the URL text, as a user writes it.
            var text = "unix://\(socketURL.server)?db=\(database.number)"
            if let password = socketURL.password {
                text += "&password=" + password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            }
            let viaSocket = try RedisConnection(url: RedisURL(parsing: text))
            let viaTCP = try RedisConnection(url: database.url)
            #expect(try viaSocket.command("SET", database.prefix + "k", "through the socket") == .status("OK"))
            #expect(try viaTCP.command("GET", database.prefix + "k").string == "through the socket")
            #expect(try viaSocket.command("CLIENT", "INFO").string?.contains("db=\(database.number)") == true)
        }
    }

    @Test func aDatabaseTheServerDoesNotHaveIsRefused() throws {
        var url = try RedisServer.shared().url
        url.database = 100_000
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: url) }
        guard case .serverError(_, let command, let message) = error else {
            Issue.record("expected serverError, got \(String(describing: error))")
            return
        }
        #expect(command.hasPrefix("SELECT 100000"))
        #expect(message.contains("out of range"))
    }

    @Test func aClosedConnectionSaysSo() throws {
        let connection = try RedisConnection(url: RedisServer.shared().url)
        connection.close()
        #expect(!connection.isOpen)
        #expect(throws: RedisError.closed(server: connection.url.server)) { try connection.ping() }
    }

    @Test func aConnectionTheServerDropsIsLost() throws {
        try RedisServer.shared().withDatabase { database in
            let connection = try RedisConnection(url: database.url)
            let victim = try RedisConnection(url: database.url)
            let id = try #require(victim.command("CLIENT", "ID").integer)
            #expect(try connection.command("CLIENT", "KILL", "ID", String(id)) == .integer(1))
            let error = #expect(throws: RedisError.self) { try victim.ping() }
            guard case .connectionLost = error else {
                Issue.record("expected connectionLost, got \(String(describing: error))")
                return
            }
            #expect(!victim.isOpen)
            #expect(throws: RedisError.closed(server: database.url.server)) { try victim.ping() }
        }
    }

    @Test func replyDescriptionsReadLikeRedisCLI() {
        let reply = RedisReply.array([
            .bulk(Array("a\"b\n".utf8) + [0]), .integer(3), .null, .array([.status("OK"), .error("ERR x")]), .array([]),
        ])
        #expect(
            reply.description == """
                1) "a\\"b\\n\\x00"
                2) (integer) 3
                3) (nil)
                4) 1) OK
                   2) (error) ERR x
                5) (empty array)
                """)
    }
}

@Suite struct RedisServerTests {
    @Test func theServerOfTheTestScriptIsUsed() throws {
        let server = try RedisServer.shared()
        guard let text = ProcessInfo.processInfo.environment[RedisServer.urlVariable], !text.isEmpty else {
            #expect(server.isOwned)
            return
        }
        #expect(!server.isOwned)
        #expect(try server.url == RedisURL(parsing: text))
        #expect(server.socketPath == ProcessInfo.processInfo.environment[RedisServer.socketVariable])
    }

    @Test func testsHoldDistinctDatabases() async throws {
        let server = try RedisServer.shared()
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await server.withDatabase { database in
                        try await Task.sleep(for: .milliseconds(50))
                        return database.number
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(numbers).count == 8)
    }

    @Test func aServerOfItsOwnStopsAndTakesItsDirectoryAway() throws {
        let server = try RedisServer.start()
        let socket = try #require(server.socketPath)
        try RedisConnection(url: server.url).ping()
        #expect(FileManager.default.fileExists(atPath: socket))
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(throws: RedisError.connectionRefused(server: server.url.server)) { try RedisConnection(url: server.url) }
    }
}
