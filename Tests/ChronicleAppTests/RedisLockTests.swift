import ChronicleRedis
import ChronicleTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One writer per Redis keyspace: while a projector follows a prefix, another `project redis`,
/// a `replay redis` and a `verify --repair` on that prefix are refused and write nothing; the
/// lock goes with a projector stopped, is taken over from one killed on this host, is waited
/// out when another host holds it, and a follower that finds its lock taken stops.
@Suite struct RedisLockTests {
    /// Waits until `prefix`'s heartbeat says `state` (up to 20 s).
    static func waitFor(_ state: String, _ connection: RedisConnection, prefix: String) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? connection.send([["HGET", prefix + "chronicle:heartbeat", "state"]])[0].string) == state { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func oneWriterPerKeyspace() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let environment = ["CHRONICLE_REDIS_URL": ProjectRedisTests.whole(database.url)]
            let prefix = database.prefix
            func run(_ arguments: [String]) throws -> ChronicleBinary.Result {
                try ChronicleBinary.run(arguments + ["--db", db], input: "", environment: environment)
            }
            #expect(try ChronicleBinary.run(["append", "--db", db], input: "tc:Auth|feature|high\nms:k|v|semantic\n").status == 0)

            let follower = try RedisCrashTests.follower(
                db: db, prefix: prefix, url: database.url, stderr: work.appendingPathComponent("follower.stderr"))
            #expect(Self.waitFor("following", connection, prefix: prefix))
            let before = try ProjectRedisTests.dump(connection, prefix: prefix)
            let holder = "\(follower.processIdentifier)@"
            for refused in [
                ["project", "redis", "--prefix", prefix], ["replay", "redis", "--prefix", prefix],
                ["verify", "--redis-prefix", prefix, "--repair"],
            ] {
                let result = try run(refused)
                #expect(result.status == 1, "\(refused): \(result.stderr)")
                #expect(result.stderr.contains("is being written by another projector (\(holder)"), "\(refused): \(result.stderr)")
            }
            #expect(try run(["verify", "--redis-prefix", prefix]).status == 0, "a verify that only reads is not refused")
            #expect(try ProjectRedisTests.dump(connection, prefix: prefix) == before)

            // Stopped: the lock goes with it.
            kill(follower.processIdentifier, SIGINT)
            follower.waitUntilExit()
            #expect(try connection.send([["EXISTS", prefix + "chronicle:lock"]])[0] == .integer(0))
            #expect(try run(["project", "redis", "--prefix", prefix]).status == 0)

            // Killed: the next projector on this host takes its lock over at once.
            let killed = try RedisCrashTests.follower(
                db: db, prefix: prefix, url: database.url, stderr: work.appendingPathComponent("killed.stderr"))
            #expect(Self.waitFor("following", connection, prefix: prefix))
            kill(killed.processIdentifier, SIGKILL)
            killed.waitUntilExit()
            #expect(try connection.send([["EXISTS", prefix + "chronicle:lock"]])[0] == .integer(1))
            let after = try run(["project", "redis", "--prefix", prefix])
            #expect(after.status == 0, "\(after.stderr)")

            // Held on another host: waited out, and said so.
            _ = try connection.send([["SET", prefix + "chronicle:lock", "1@elsewhere.example 7", "PX", "15000"]])
            let elsewhere = try run(["project", "redis", "--prefix", prefix])
            #expect(elsewhere.status == 1 && elsewhere.stderr.contains("1@elsewhere.example holds its lock"), "\(elsewhere.stderr)")
            #expect(elsewhere.stderr.contains("expires within 15 s"), "\(elsewhere.stderr)")
            _ = try connection.send([["DEL", prefix + "chronicle:lock"]])

            // A dead pid of this host but of another pid namespace (a container sharing the
            // host's name) is not taken for gone: its pid means another process there.
            var name = [CChar](repeating: 0, count: 256)
            _ = gethostname(&name, 255)
            let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            _ = try connection.send([["SET", prefix + "chronicle:lock", "999999999@\(host) pid:[1] 9", "PX", "15000"]])
            let namespaced = try run(["project", "redis", "--prefix", prefix])
            #expect(namespaced.status == 1 && namespaced.stderr.contains("999999999@\(host) holds its lock"), "\(namespaced.stderr)")
            _ = try connection.send([["DEL", prefix + "chronicle:lock"]])

            // A follower whose lock another took while it stood still writes nothing more: it
            // stops, and says who took it.
            let stderr = work.appendingPathComponent("taken.stderr")
            let taken = try RedisCrashTests.follower(db: db, prefix: prefix, url: database.url, stderr: stderr)
            #expect(Self.waitFor("following", connection, prefix: prefix))
            let checkpoint = try RedisCrashTests.checkpoint(connection, prefix: prefix)
            kill(taken.processIdentifier, SIGSTOP)
            #expect(try ChronicleBinary.run(["append", "--db", db], input: "su:auth_001|in_progress|0.5\n").status == 0)
            _ = try connection.send([["SET", prefix + "chronicle:lock", "1@elsewhere.example 8", "PX", "15000"]])
            kill(taken.processIdentifier, SIGCONT)
            let deadline = Date().addingTimeInterval(10)
            while taken.isRunning && Date() < deadline { usleep(20_000) }
            #expect(!taken.isRunning, "the follower went on without its lock")
            if taken.isRunning { kill(taken.processIdentifier, SIGKILL) }
            taken.waitUntilExit()
            #expect(taken.terminationStatus == 1)
            #expect(try RedisCrashTests.checkpoint(connection, prefix: prefix) == checkpoint, "it wrote without its lock")
            let said = try String(contentsOf: stderr, encoding: .utf8)
            #expect(said.contains("1@elsewhere.example holds its lock"), "\(said)")
        }
    }
}
