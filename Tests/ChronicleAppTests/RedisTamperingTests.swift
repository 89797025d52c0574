import ChronicleRedis
import ChronicleTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A keyspace changed by hand under a following projector: flushed, its checkpoint deleted, a
/// key of the view set to another type. The follower notices at its next batch and catches up
/// from what the keyspace says (loading it whole when its checkpoint is gone); the view ends
/// equal to a fresh load, and nothing is claimed applied that was not.
@Suite struct RedisTamperingTests {
    @Test func aKeyspaceChangedByHandIsCaughtUpWith() throws {
        try RedisServer.shared().withDatabase { database in
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let prefix = database.prefix + "p:"
            var input = ""
            for n in 0..<20 {
                input += "{\"cmd\":\"task.create\",\"id\":\"t\(n)\",\"title\":\"T\",\"intent\":\"feature\",\"complexity\":\"low\"}\n"
            }
            #expect(try ChronicleBinary.run(["append", "--db", db], input: input + "ms:k|v|semantic\n").status == 0)
            let stderr = work.appendingPathComponent("follower.stderr")
            let follower = try RedisCrashTests.follower(db: db, prefix: prefix, url: database.url, stderr: stderr)
            defer {
                kill(follower.processIdentifier, SIGINT)
                follower.waitUntilExit()
            }
            #expect(RedisLockTests.waitFor("following", connection, prefix: prefix))

            // Each with a command after it, or with none (noticed by the heartbeat).
            let tamperings: [(String, [[String]], Bool)] = [
                ("flushed", [["FLUSHDB"]], true),
                ("flushed, no command after", [["FLUSHDB"]], false),
                ("checkpoint deleted", [["DEL", prefix + "chronicle:checkpoint"]], true),
                ("checkpoint moved back, no command after", [["HSET", prefix + "chronicle:checkpoint", "seq", "3"]], false),
                (
                    "an index of another type",
                    [["DEL", prefix + "idx:status:in_progress"], ["SET", prefix + "idx:status:in_progress", "1"]], true
                ),
            ]
            for (n, (what, commands, command)) in tamperings.enumerated() {
                _ = try connection.send(commands)
                if command {
                    let appended = try ChronicleBinary.run(["append", "--db", db], input: "su:t\(n)|in_progress|0.\(n + 1)\n")
                    #expect(appended.status == 0 && !appended.stdout.hasPrefix("er:"), "\(appended.stdout)")
                } else {
                    usleep(200_000)
                }
                let caughtUp = try RedisCrashTests.waitCaughtUp(connection, prefix: prefix, db: db, seconds: 20)
                #expect(caughtUp, "\(what): not caught up; the follower said: \((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")")
                usleep(100_000)
                let differing = try RedisCrashTests.differences(connection, prefix: prefix, loaded: database.prefix + "l:", db: db)
                #expect(differing.isEmpty, "\(what): \(differing.count) keys differ from a fresh load, e.g. \(differing.prefix(5))")
            }
            let said = try String(contentsOf: stderr, encoding: .utf8)
            #expect(follower.isRunning, "the follower stopped: \(said)")
            #expect(said.contains("changed under the projector"), "\(said)")
            #expect(said.contains("refused part of the batch") && !said.contains("nothing of it was applied"), "\(said)")
        }
    }

    /// `project redis --follow` started before its server waits for it (appends going on),
    /// then catches up; a wrong password still ends it at once.
    @Test func aFollowerStartedBeforeItsServerWaitsForIt() throws {
        let server = try RedisServer.start()
        defer { server.shutDown(saving: false) }
        server.shutDown(saving: false)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n").status == 0)
        let stderr = work.appendingPathComponent("follower.stderr")
        let follower = try RedisCrashTests.follower(db: db, prefix: "p:", url: server.url, stderr: stderr)
        defer {
            if follower.isRunning { kill(follower.processIdentifier, SIGINT) }
            follower.waitUntilExit()
        }
        usleep(500_000)
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|w|semantic\n").status == 0)
        #expect(follower.isRunning, "it ended: \((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")")
        try server.restart()
        let connection = try RedisConnection(url: server.url)
        #expect(try RedisCrashTests.waitCaughtUp(connection, prefix: "p:", db: db, seconds: 20))
        let said = try String(contentsOf: stderr, encoding: .utf8)
        #expect(said.contains("is not reachable yet") && said.contains("back after"), "\(said)")
        #expect(try connection.send([["HGET", "p:memory:k", "value"]])[0].string == "\"w\"")

        var wrong = server.url
        wrong.password = "not-the-password"
        let refused = try ChronicleBinary.run(
            ["project", "redis", "--follow", "--prefix", "q:", "--db", db], input: "",
            environment: ["CHRONICLE_REDIS_URL": ProjectRedisTests.whole(wrong)])
        #expect(refused.status == 4 && !refused.stderr.contains("not-the-password"), "\(refused.stderr)")
    }

    @Test func aPrefixInsideAnotherPrefixsViewIsRefused() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:k|v|semantic\n").status == 0)
        for prefix in ["idx:tenant:", "a:tasks:", "xmemory:"] {
            let run = try ChronicleBinary.run(
                ["project", "redis", "--prefix", prefix, "--db", db], input: "",
                environment: ["CHRONICLE_REDIS_URL": "redis://127.0.0.1:1/0"])
            #expect(run.status == 2 && run.stderr.contains("its keys would lie inside the view of the prefix before it"), "\(run.stderr)")
            let printed = try ChronicleBinary.run(["replay", "redis", "--print", "--prefix", prefix, "--db", db], input: "")
            #expect(printed.status == 2 && printed.stderr.contains("its keys would lie inside"), "\(printed.stderr)")
        }
    }
}
