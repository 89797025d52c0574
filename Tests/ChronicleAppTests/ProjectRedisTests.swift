import ChronicleRedis
import ChronicleTesting
import ChronicleViews
import Foundation
import Testing

/// `chronicle project redis` against a real `redis-server` (tools/test starts one; without it a
/// test starts its own, and fails when `redis-server` is not installed): the keyspace it keeps
/// equals the view `replay redis --print` writes, loaded into the same server, key by key and
/// field by field, after every batch of random histories; keyspaces of two logs under two
/// prefixes never touch; the password never shows.
@Suite struct ProjectRedisTests {
    /// `url` written out whole, password included (for the child's environment only).
    static func whole(_ url: RedisURL) -> String {
        guard case .tcp(let host, let port) = url.endpoint else { return "" }
        let credentials = url.password.map { "\(url.username ?? ""):\($0)@" } ?? ""
        return "redis://\(credentials)\(host):\(port)/\(url.database)"
    }

    /// Every key under `prefix` (the prefix taken off) and what it holds, as text: a hash's
    /// fields, a set's members, a sorted set's members and scores, each sorted; not the
    /// projector's heartbeat and lock.
    static func dump(_ connection: RedisConnection, prefix: String) throws -> [String: String] {
        var out: [String: String] = [:]
        var cursor = "0"
        repeat {
            let reply = try connection.send([["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"]])[0].array ?? []
            cursor = reply.first?.string ?? "0"
            for key in reply.last?.array ?? [] {
                // Not the projector's heartbeat and lock: whether a projector runs, not the view.
                guard let name = key.string, !name.hasSuffix("chronicle:heartbeat"), !name.hasSuffix("chronicle:lock") else { continue }
                let type = try connection.send([["TYPE", name]])[0].string ?? "?"
                let contents: [String]
                switch type {
                case "hash":
                    let items = (try connection.send([["HGETALL", name]])[0].array ?? []).map { $0.string ?? "" }
                    contents = stride(from: 0, to: items.count, by: 2).map { "\(items[$0]) = \(items[$0 + 1])" }.sorted()
                case "set": contents = (try connection.send([["SMEMBERS", name]])[0].array ?? []).map { $0.string ?? "" }.sorted()
                case "zset":
                    let items = (try connection.send([["ZRANGE", name, "0", "-1", "WITHSCORES"]])[0].array ?? []).map { $0.string ?? "" }
                    contents = stride(from: 0, to: items.count, by: 2).map { "\(items[$0]) \(items[$0 + 1])" }.sorted()
                default: contents = []
                }
                out[String(name.dropFirst(prefix.count))] = "(\(type)) " + contents.joined(separator: " | ")
            }
        } while cursor != "0"
        return out
    }

    /// Loads what `replay redis --print --prefix PREFIX` writes into the server.
    static func loadPrinted(_ connection: RedisConnection, db: String, prefix: String, environment: [String: String]) throws {
        let printed = try ChronicleBinary.run(
            ["replay", "redis", "--print", "--prefix", prefix, "--db", db], input: "", environment: environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        let commands = RedisPrintTests.commands(printed.stdout)
        let replies = try connection.send(commands)
        #expect(replies.allSatisfy { $0.errorMessage == nil })
    }

    @Test(arguments: [1, 2, 3])
    func projectingInBatchesGivesWhatTheWholeViewLoadedHolds(seed: UInt64) throws {
        try RedisServer.shared().withDatabase { database in
            var random = SeededRandom(state: seed &* 7_919)
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let projected = database.prefix + "p:"
            let loaded = database.prefix + "l:"
            let environment = fixedClock.merging(["CHRONICLE_REDIS_URL": Self.whole(database.url)]) { $1 }
            var seq = 0
            for round in 0..<6 {
                let lines = (0..<Int.random(in: 1...25, using: &random)).map { n in RandomHistory.line(round * 30 + n, seq: seq, &random)
                }
                let appended = try ChronicleBinary.run(
                    ["append", "--db", db], input: lines.joined(separator: "\n") + "\n", environment: fixedClock)
                #expect(appended.status == 0, "\(appended.stderr)")
                seq += appended.stdout.split(separator: "\n").filter { !$0.hasPrefix("er:") }.count
                let run = try ChronicleBinary.run(
                    ["project", "redis", "--prefix", projected, "--db", db], input: "", environment: environment)
                #expect(run.status == 0, "seed \(seed) round \(round): \(run.stderr)")
                #expect(!run.stderr.contains(database.url.password ?? "\u{0}"), "the password was shown")
                // The whole view, loaded fresh beside it.
                for key in try Self.dump(connection, prefix: loaded).keys { _ = try connection.send([["DEL", loaded + key]]) }
                try Self.loadPrinted(connection, db: db, prefix: loaded, environment: fixedClock)
                var got = try Self.dump(connection, prefix: projected)
                var expected = try Self.dump(connection, prefix: loaded)
                // The checkpoint's valid time is the projector's now; the rest must agree.
                #expect(got.removeValue(forKey: "chronicle:checkpoint") != nil)
                #expect(expected.removeValue(forKey: "chronicle:checkpoint") != nil)
                #expect(got.keys.sorted() == expected.keys.sorted(), "seed \(seed) round \(round)")
                for (key, value) in expected where got[key] != value { Issue.record("seed \(seed) round \(round): \(key) differs") }
            }
            // The runs after the first advanced from the checkpoint, not by loading whole.
            let again = try ChronicleBinary.run(
                ["project", "redis", "--prefix", projected, "--db", db], input: "", environment: environment)
            #expect(!again.stderr.contains("loaded whole"), "\(again.stderr)")
        }
    }

    /// The seed examples' keyspace, read back from the server: every key, its type and what it
    /// holds (`replay-fixtures/seed-examples/redis-keyspace.golden`; re-recorded only with
    /// `CHRONICLE_RECORD_GOLDEN=1`). The log's identity and the projector's now are zeroed.
    @Test func theSeedExamplesGiveTheGoldenKeyspace() throws {
        try RedisServer.shared().withDatabase { database in
            let fixture = packageRoot.appendingPathComponent("replay-fixtures/seed-examples")
            let input = try String(contentsOf: fixture.appendingPathComponent("commands.txt"), encoding: .utf8)
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
            let environment = fixedClock.merging(["CHRONICLE_REDIS_URL": Self.whole(database.url)]) { $1 }
            let run = try ChronicleBinary.run(
                ["project", "redis", "--prefix", database.prefix, "--db", db], input: "", environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            var keys = try Self.dump(try RedisConnection(url: database.url), prefix: database.prefix)
            if let checkpoint = keys["chronicle:checkpoint"] {
                keys["chronicle:checkpoint"] = checkpoint.replacing(/log = [0-9a-f]+/, with: "log = 0").replacing(
                    /valid_at = [0-9TZ:.-]+/, with: "valid_at = 0")
            }
            let text = keys.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "\n") + "\n"
            let golden = fixture.appendingPathComponent("redis-keyspace.golden")
            if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
                try Data(text.utf8).write(to: golden)
                return
            }
            #expect(text == (try String(contentsOf: golden, encoding: .utf8)))

            // The same view printed and loaded by redis-cli --pipe: the same keys.
            let piped = database.prefix + "piped:"
            let resp = try ChronicleBinary.run(
                ["replay", "redis", "--print", "--prefix", piped, "--db", db], input: "", environment: fixedClock)
            guard case .tcp(let host, let port) = database.url.endpoint else { return }
            let cli = try ChronicleBinary.run(
                executable: URL(fileURLWithPath: "/usr/bin/redis-cli"),
                ["-h", host, "-p", String(port), "-n", String(database.url.database), "--pipe"],
                input: Data(resp.stdout.utf8), environment: ["REDISCLI_AUTH": database.url.password ?? ""])
            #expect(cli.status == 0 && cli.stdout.contains("errors: 0"), "\(cli.stdout) \(cli.stderr)")
            var pipedKeys = try Self.dump(try RedisConnection(url: database.url), prefix: piped)
            pipedKeys["chronicle:checkpoint"] = keys["chronicle:checkpoint"]
            var projectedKeys = keys
            projectedKeys["chronicle:checkpoint"] = nil
            pipedKeys["chronicle:checkpoint"] = nil
            #expect(pipedKeys == projectedKeys)
        }
    }

    /// `chronicle status --redis-prefix`: the Redis view beside the YAML ones, its checkpoint
    /// and how far behind, not built under another prefix, unreachable on a closed port.
    @Test func statusReportsTheRedisView() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let environment = ["CHRONICLE_REDIS_URL": Self.whole(database.url)]
            #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n").status == 0)
            #expect(
                try ChronicleBinary.run(["project", "redis", "--prefix", database.prefix, "--db", db], input: "", environment: environment)
                    .status == 0)
            #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|w|semantic\n").status == 0)
            let status = try ChronicleBinary.run(
                ["status", "--db", db, "--redis-prefix", database.prefix, "--redis-prefix", database.prefix + "other:"], input: "",
                environment: environment)
            #expect(status.status == 1, "\(status.stderr)")
            #expect(status.stdout.contains("prefix '\(database.prefix)': #1, version 1, 1 behind, idle"), "\(status.stdout)")
            #expect(status.stdout.contains("prefix '\(database.prefix)other:': not built"), "\(status.stdout)")
            #expect(!status.stdout.contains(database.url.password ?? "\u{0}"))
            let port = try RedisServer.freeLoopbackPort()
            let closed = try ChronicleBinary.run(
                ["status", "--db", db, "--redis-prefix", "", "--format", "json"], input: "",
                environment: ["CHRONICLE_REDIS_URL": "redis://:pw-77@127.0.0.1:\(port)/0"])
            #expect(
                closed.status == 1 && closed.stdout.contains("\"state\":\"unreachable\"") && !closed.stdout.contains("pw-77"),
                "\(closed.stdout)")
            // --redis alone: the view under the empty prefix.
            let alone = try ChronicleBinary.run(["status", "--db", db, "--redis", "redis://127.0.0.1:\(port)/0"], input: "")
            #expect(alone.status == 1 && alone.stdout.contains("prefix '': unreachable"), "\(alone.stdout)")
        }
    }

    /// A keyspace of an older version is rebuilt beside and swapped in (its stale keys and
    /// fields gone, no side keys left); `replay redis --known-at #N --into P` builds the past
    /// view beside the live one, as `replay redis --print --known-at #N` writes it.
    @Test func anOlderVersionIsRebuiltAndSwappedAndAPastViewGoesBeside() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let environment = fixedClock.merging(["CHRONICLE_REDIS_URL": Self.whole(database.url)]) { $1 }
            let live = database.prefix + "live:"
            var input = ""
            for n in 0..<50 {
                input += "{\"cmd\":\"task.create\",\"id\":\"t\(n)\",\"title\":\"T\",\"intent\":\"feature\",\"complexity\":\"low\"}\n"
            }
            input += "su:t1|in_progress|0.5\nms:k|v|semantic\n"
            #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
            #expect(
                try ChronicleBinary.run(["project", "redis", "--prefix", live, "--db", db], input: "", environment: environment).status == 0
            )
            // As version 0 of the view would have left it: a field and a key version 1 has not.
            _ = try connection.send([
                ["HSET", live + "chronicle:checkpoint", "version", "0"], ["HSET", live + "tasks:t3", "marker", "old"],
                ["SADD", live + "idx:keyword:gone", "t3"],
            ])
            let rebuilt = try ChronicleBinary.run(["project", "redis", "--prefix", live, "--db", db], input: "", environment: environment)
            #expect(rebuilt.status == 0 && rebuilt.stderr.contains("rebuilt beside and swapped in"), "\(rebuilt.stderr)")
            let after = try Self.dump(connection, prefix: live)
            #expect(after["idx:keyword:gone"] == nil && after["tasks:t3"]?.contains("marker") == false)
            #expect(after["chronicle:checkpoint"]?.contains("version = 1") == true)
            #expect(try Self.dump(connection, prefix: "chronicle-rebuild-").isEmpty)
            let loaded = database.prefix + "fresh:"
            try Self.loadPrinted(connection, db: db, prefix: loaded, environment: fixedClock)
            var got = after, expected = try Self.dump(connection, prefix: loaded)
            got["chronicle:checkpoint"] = nil
            expected["chronicle:checkpoint"] = nil
            #expect(got == expected)

            // The view as of #10, beside the live one.
            let past = database.prefix + "past:"
            let built = try ChronicleBinary.run(
                ["replay", "redis", "--known-at", "#10", "--into", past, "--db", db], input: "", environment: environment)
            #expect(built.status == 0, "\(built.stderr)")
            let printed = database.prefix + "printed:"
            let resp = try ChronicleBinary.run(
                ["replay", "redis", "--print", "--known-at", "#10", "--prefix", printed, "--db", db], input: "", environment: fixedClock)
            _ = try connection.send(RedisPrintTests.commands(resp.stdout))
            var pastView = try Self.dump(connection, prefix: past), printedView = try Self.dump(connection, prefix: printed)
            #expect(pastView["tasks:t10"] == nil && pastView["tasks:t9"] != nil)
            pastView["chronicle:checkpoint"] = nil
            printedView["chronicle:checkpoint"] = nil
            #expect(pastView == printedView)
            #expect(try Self.dump(connection, prefix: live) == after, "the live view changed")
        }
    }

    /// `chronicle verify --redis-prefix`: every key and field that differs from a fresh build
    /// (a changed field, a key left behind, a key missing, a score), and `--repair` fixes them.
    @Test func verifyReportsWhatDiffersAndRepairs() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let environment = ["CHRONICLE_REDIS_URL": Self.whole(database.url)]
            let input =
                "{\"cmd\":\"task.create\",\"id\":\"t1\",\"title\":\"T\",\"intent\":\"feature\",\"complexity\":\"low\"}\nms:k|v|semantic\n"
            #expect(try ChronicleBinary.run(["append", "--db", db], input: input).status == 0)
            #expect(
                try ChronicleBinary.run(["project", "redis", "--prefix", database.prefix, "--db", db], input: "", environment: environment)
                    .status == 0)
            let verify = ["verify", "--redis-prefix", database.prefix, "--db", db]
            #expect(try ChronicleBinary.run(verify, input: "", environment: environment).status == 0)
            let before = try Self.dump(connection, prefix: database.prefix)
            _ = try connection.send([
                ["HSET", database.prefix + "tasks:t1", "status", "bogus"], ["SADD", database.prefix + "idx:keyword:extra", "t1"],
                ["DEL", database.prefix + "memory:k"], ["ZADD", database.prefix + "idx:confidence", "0.01", "t1"],
            ])
            let found = try ChronicleBinary.run(verify, input: "", environment: environment)
            #expect(found.status == 1, "\(found.stdout)")
            for line in [
                "tasks:t1: status is 'bogus', the view has 'pending'", "idx:keyword:extra: not in the view", "memory:k: missing",
                "idx:confidence: members or scores differ", "4 keys",
            ] { #expect(found.stdout.contains(line), "\(found.stdout)") }
            #expect(try ChronicleBinary.run(verify + ["--repair"], input: "", environment: environment).status == 0)
            #expect(try ChronicleBinary.run(verify, input: "", environment: environment).status == 0)
            var after = try Self.dump(connection, prefix: database.prefix), was = before
            after["chronicle:checkpoint"] = nil
            was["chronicle:checkpoint"] = nil
            #expect(after == was)
        }
    }

    @Test func twoLogsUnderTwoPrefixesNeverTouch() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let connection = try RedisConnection(url: database.url)
            let environment = ["CHRONICLE_REDIS_URL": Self.whole(database.url)]
            var logs: [String] = []
            for (n, keyword) in ["x:*{a}:y", "plain"].enumerated() {
                let db = work.appendingPathComponent("log\(n).db").path
                let task =
                    "{\"cmd\":\"task.create\",\"id\":\"t\(n)\",\"title\":\"T\",\"intent\":\"feature\",\"complexity\":\"low\",\"keywords\":[\"\(keyword)\"]}\n"
                #expect(try ChronicleBinary.run(["append", "--db", db], input: task).status == 0)
                let run = try ChronicleBinary.run(
                    ["project", "redis", "--prefix", database.prefix + "log\(n):", "--db", db], input: "", environment: environment)
                #expect(run.status == 0, "\(run.stderr)")
                logs.append(db)
            }
            let first = try Self.dump(connection, prefix: database.prefix + "log0:")
            let second = try Self.dump(connection, prefix: database.prefix + "log1:")
            #expect(first["idx:keyword:x:*{a}:y"] == "(set) t0" && first["tasks:t1"] == nil)
            #expect(second["tasks:t1"] != nil && second["tasks:t0"] == nil)
            let all = try Self.dump(connection, prefix: "")
            #expect(
                all.keys.allSatisfy { $0.hasPrefix(database.prefix + "log0:") || $0.hasPrefix(database.prefix + "log1:") },
                "\(all.keys.sorted())")
            // The second log pointed at the first one's keyspace is refused, and changes nothing.
            let refused = try ChronicleBinary.run(
                ["project", "redis", "--prefix", database.prefix + "log0:", "--db", logs[1]], input: "", environment: environment)
            #expect(refused.status == 1 && refused.stderr.contains("holds the view of log"), "\(refused.stderr)")
            #expect(try Self.dump(connection, prefix: database.prefix + "log0:") == first)
        }
    }

    /// A view under the empty prefix (the default) owns only the keys of its families
    /// (`tasks:`, `workflows:`, `memory:`, `contexts:`, `idx:`): loading it whole, rebuilding and
    /// swapping it, verifying and repairing it leave another log's prefix, a past view beside it,
    /// another rebuild's side keys and an application's own keys as they were.
    @Test func aViewUnderTheEmptyPrefixOwnsOnlyItsKeys() throws {
        try RedisServer.shared().withDatabase { database in  // a database of its own: the empty prefix is safe here
            let work = try TestLog.temporaryDirectory()
            let connection = try RedisConnection(url: database.url)
            let environment = fixedClock.merging(["CHRONICLE_REDIS_URL": Self.whole(database.url)]) { $1 }
            let (main, other) = (work.appendingPathComponent("main.db").path, work.appendingPathComponent("other.db").path)
            for (db, id) in [(main, "a"), (other, "b")] {
                let input =
                    "{\"cmd\":\"task.create\",\"id\":\"\(id)1\",\"title\":\"T\",\"intent\":\"feature\",\"complexity\":\"low\"}\nms:k|v|semantic\nsu:\(id)1|in_progress|0.5\n"
                #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
            }
            func run(_ arguments: [String]) throws -> ChronicleBinary.Result {
                try ChronicleBinary.run(arguments, input: "", environment: environment)
            }
            #expect(try run(["project", "redis", "--prefix", "tenant1:", "--db", other]).status == 0)
            #expect(try run(["replay", "redis", "--known-at", "#1", "--into", "past:", "--db", main]).status == 0)
            _ = try connection.send([
                ["SET", "app:setting", "on"], ["HSET", "app:tasks:x", "f", "v"],
                ["SADD", "chronicle-rebuild-1:tenant1:idx:status:x", "b1"],
            ])
            let others = try Self.dump(connection, prefix: "").filter { !RedisKeyspace.isViewKey($0.key) }
            #expect(others.keys.contains("tenant1:tasks:b1") && others.keys.contains("past:tasks:a1"), "\(others.keys.sorted())")

            let loaded = try run(["project", "redis", "--db", main])
            #expect(loaded.status == 0 && loaded.stderr.contains("loaded whole"), "\(loaded.stderr)")
            let rebuilt = try run(["replay", "redis", "--db", main])
            #expect(rebuilt.status == 0 && rebuilt.stderr.contains("swapped in"), "\(rebuilt.stderr)")
            let verified = try run(["verify", "--redis-prefix", "", "--db", main])
            #expect(verified.status == 0, "\(verified.stdout)")
            _ = try connection.send([["SADD", "idx:keyword:stale", "a1"]])
            #expect(try run(["verify", "--redis-prefix", "", "--repair", "--db", main]).status == 0)

            var now = try Self.dump(connection, prefix: "")
            #expect(now["tasks:a1"] != nil && now["idx:keyword:stale"] == nil)
            now = now.filter { !RedisKeyspace.isViewKey($0.key) }
            now["chronicle:checkpoint"] = nil
            var was = others
            was["chronicle:checkpoint"] = nil
            #expect(now == was, "keys not the view's changed: \(Set(now.keys).symmetricDifference(was.keys).sorted())")
        }
    }

    /// A bad argument found while running names the command's whole path for its help.
    @Test func aBadURLPointsToTheCommandsOwnHelp() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n").status == 0)
        for command in [["project", "redis"], ["replay", "redis"]] {
            let run = try ChronicleBinary.run(command + ["--redis", "127.0.0.1:6379", "--db", db], input: "")
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("See 'chronicle \(command.joined(separator: " ")) --help'"), "\(run.stderr)")
        }
    }

    @Test func aWrongPasswordOrNoServerIsAClearErrorThatShowsNoPassword() throws {
        let server = try RedisServer.shared()
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n").status == 0)
        var wrong = server.url
        wrong.password = "not-the-password-4242"
        let refused = try ChronicleBinary.run(
            ["project", "redis", "--db", db], input: "", environment: ["CHRONICLE_REDIS_URL": Self.whole(wrong)])
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(!refused.stderr.contains("not-the-password-4242") && !refused.stdout.contains("not-the-password-4242"))
        #expect(refused.stderr.contains("refused the credentials"), "\(refused.stderr)")
        let port = try RedisServer.freeLoopbackPort()
        let nobody = try ChronicleBinary.run(
            ["project", "redis", "--db", db], input: "", environment: ["CHRONICLE_REDIS_URL": "redis://:secret-9999@127.0.0.1:\(port)/0"])
        #expect(nobody.status == 4, "\(nobody.stderr)")
        #expect(!nobody.stderr.contains("secret-9999"))
        let onTheCommandLine = try ChronicleBinary.run(
            ["project", "redis", "--db", db, "--redis", "redis://:secret-9999@127.0.0.1:\(port)/0"], input: "")
        #expect(onTheCommandLine.status == 2 && !onTheCommandLine.stderr.contains("secret-9999"), "\(onTheCommandLine.stderr)")
        let none = try ChronicleBinary.run(["project", "redis", "--db", db], input: "", environment: ["CHRONICLE_REDIS_URL": ""])
        #expect(none.status == 2 && none.stderr.contains("redis-server --port"), "\(none.stderr)")
    }
}
