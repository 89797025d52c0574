import ChronicleRedis
import ChronicleStore
import ChronicleTesting
import Foundation
import GRDB
import Testing

/// `chronicle project redis --follow` against a real server in the two ways it is cut off: the
/// projector killed (SIGKILL) at random moments while commands are appended, and the server
/// stopped while the log grows (restarted with its data, from an older save, and empty). After
/// each, the keyspace equals the whole view loaded fresh, and no change was published twice.
@Suite struct RedisCrashTests {
    /// Why the test could not go on.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A `redis-cli` child subscribed to one channel, writing what it receives to a file (its
    /// password in `REDISCLI_AUTH`, never on its command line).
    final class Subscriber {
        let process = Process()
        let file: URL
        let channel: String

        init(url: RedisURL, channel: String, file: URL) throws {
            guard case .tcp(let host, let port) = url.endpoint else { throw Failure(description: "a TCP server is needed") }
            self.file = file
            self.channel = channel
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
            guard let cli = path.map({ $0 + "/redis-cli" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
                throw Failure(description: "redis-cli is not installed (Debian's redis-tools, which redis-server depends on)")
            }
            process.executableURL = URL(fileURLWithPath: cli)
            process.arguments = ["-h", host, "-p", String(port), "SUBSCRIBE", channel]
            process.environment = ProcessInfo.processInfo.environment.merging(["REDISCLI_AUTH": url.password ?? ""]) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: file)
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Subscribed before anything is published.
            let connection = try RedisConnection(url: url)
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let counts = try connection.send([["PUBSUB", "NUMSUB", channel]])[0].array ?? []
                if counts.count == 2, counts[1].integer == 1 { return }
                usleep(10_000)
            }
            throw Failure(description: "redis-cli did not subscribe to \(channel) within 20 s")
        }

        /// Publishes a last message of the test's own, waits until it is written down, stops the
        /// child, and gives the payloads received before it, in order.
        func finish(_ connection: RedisConnection) throws -> [String] {
            let end = "end of test \(UUID().uuidString)"
            _ = try connection.send([["PUBLISH", channel, end]])
            var payloads: [String] = []
            let deadline = Date().addingTimeInterval(20)
            repeat {
                let lines = (try String(contentsOf: file, encoding: .utf8)).split(separator: "\n", omittingEmptySubsequences: false)
                // redis-cli, not on a terminal, writes a push as its parts, one a line: message, channel, payload.
                payloads = stride(from: 0, to: lines.count - 2, by: 1).filter { lines[$0] == "message" && lines[$0 + 1] == channel }
                    .map { String(lines[$0 + 2]) }
                if payloads.last == end { break }
                usleep(20_000)
            } while Date() < deadline
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(payloads.last == end, "the subscriber did not receive the test's last message")
            return payloads.filter { $0 != end }
        }
    }

    /// The last position the keyspace under `prefix` says it applied (nil: no checkpoint).
    static func checkpoint(_ connection: RedisConnection, prefix: String) throws -> Int64? {
        try connection.send([["HGET", prefix + "chronicle:checkpoint", "seq"]])[0].string.flatMap { Int64($0) }
    }

    /// The log's last position.
    static func tip(_ db: String) throws -> Int64 {
        try EventLog(path: db, forWriting: false, logger: TestLog.silentLogger).read { tx in try tx.tail()?.seq } ?? 0
    }

    /// Waits (up to `seconds`) until the checkpoint under `prefix` is the log's tip.
    static func waitCaughtUp(_ connection: RedisConnection, prefix: String, db: String, seconds: Double = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let seq = try? checkpoint(connection, prefix: prefix), seq == (try tip(db)) { return true }
            usleep(50_000)
        } while Date() < deadline
        return false
    }

    /// The keys under `prefix` that differ from the whole view loaded fresh under `loaded`
    /// (the checkpoint left out: its valid time is the projector's now; the heartbeat too).
    static func differences(_ connection: RedisConnection, prefix: String, loaded: String, db: String) throws -> [String] {
        for key in try ProjectRedisTests.dump(connection, prefix: loaded).keys { _ = try connection.send([["DEL", loaded + key]]) }
        try ProjectRedisTests.loadPrinted(connection, db: db, prefix: loaded, environment: [:])
        var got = try ProjectRedisTests.dump(connection, prefix: prefix)
        var expected = try ProjectRedisTests.dump(connection, prefix: loaded)
        #expect(got.removeValue(forKey: "chronicle:checkpoint") != nil)
        #expect(expected.removeValue(forKey: "chronicle:checkpoint") != nil)
        return Set(got.keys).union(expected.keys).filter { got[$0] != expected[$0] }.sorted()
    }

    /// `chronicle append` run once over `lines`: its time, and whether every line got an ack line.
    static func append(_ lines: [String], db: String) throws -> (seconds: Double, acked: Bool) {
        let started = Date()
        let run = try ChronicleBinary.run(["append", "--db", db], input: lines.joined(separator: "\n") + "\n")
        let seconds = Date().timeIntervalSince(started)
        let acks = run.stdout.split(separator: "\n")
        #expect(run.status == 0, "\(run.stderr)")
        return (seconds, acks.count == lines.count)
    }

    /// A `chronicle project redis --follow` child, its stderr in a file.
    static func follower(db: String, prefix: String, url: RedisURL, stderr: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = ChronicleBinary.url
        process.arguments = ["project", "redis", "--follow", "--prefix", prefix, "--db", db]
        process.environment = ProcessInfo.processInfo.environment.merging(["CHRONICLE_REDIS_URL": ProjectRedisTests.whole(url)]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return process
    }

    /// The first log of both tests: `tasks` tasks over three context paths, a memory key for
    /// every third, a workflow.
    static func initialLog(tasks: Int) -> String {
        var input = ""
        for t in 0..<tasks {
            input +=
                "{\"cmd\":\"task.create\",\"id\":\"t\(t)\",\"title\":\"Task \(t)\",\"intent\":\"feature\",\"complexity\":\"low\",\"keywords\":[\"k\(t % 7)\"],\"context_cascade\":\"agents/dev/c\(t % 3)\"}\n"
            if t % 3 == 0 { input += "ms:key_\(t / 3)|v\(t)|semantic\n" }
        }
        return input + "{\"cmd\":\"workflow.start\",\"workflow\":\"deploy\",\"params\":{\"n\":1}}\n"
    }

    /// The log's events, entity by entity (as the messages name them: `t1`, `memory/key_3`,
    /// a workflow's id), each entity's positions in order. A retraction is in the stream of the
    /// event it retracts.
    static func positions(_ db: String) throws -> [String: [Int64]] {
        try DatabaseQueue(path: db).read { database in
            var out: [String: [Int64]] = [:]
            for row in try Row.fetchAll(database, sql: "SELECT seq, stream FROM events ORDER BY seq") {
                let stream: String = row["stream"]
                let entity = stream.hasPrefix("memory/") ? stream : String(stream.drop { $0 != "/" }.dropFirst())
                out[entity, default: []].append(row["seq"])
            }
            return out
        }
    }

    /// Reading of "published twice for one seq": a message is `[seq=N] CODE:ENTITY|…`, where N
    /// is the last position of the batch that published it, not of each event (a batch
    /// coalesces, and says each entity it changed once). Batches are contiguous: one goes from
    /// where the one before it ended (or from a whole load, later still, which publishes
    /// nothing) to its N. So a message of ENTITY at N, after a batch that ended at N', says a
    /// change made by ENTITY's events in (N', N]; when ENTITY has none there, the message says
    /// again a change an earlier one said: a batch re-applied after a kill, coalesced into a
    /// later one under a new N. The same (N, ENTITY) twice is the plainer case of it: a batch
    /// applied twice. (Histories with future-dated values, which change entities with no new
    /// event, would need their due times; these have none.) Returned: the messages said twice
    /// and those whose N went back.
    static func repeats(_ payloads: [String], positions: [String: [Int64]]) -> (twice: [String], backwards: Int) {
        var seen: Set<String> = []
        var twice: [String] = []
        var backwards = 0
        var batch: (start: Int64, end: Int64) = (0, 0)
        for payload in payloads {
            guard payload.hasPrefix("[seq="), let close = payload.firstIndex(of: "]"),
                let seq = Int64(payload[payload.index(payload.startIndex, offsetBy: 5)..<close])
            else {
                Issue.record("not a change message: \(payload)")
                continue
            }
            if seq < batch.end { backwards += 1 }
            if seq > batch.end { batch = (batch.end, seq) }
            let entity = String(payload[payload.index(close, offsetBy: 2)...].dropFirst(3).prefix { $0 != "|" })
            let fresh = positions[entity, default: []].contains { $0 > batch.start && $0 <= batch.end }
            if !seen.insert("\(seq) \(entity)").inserted || !fresh { twice.append(payload) }
        }
        return (twice, backwards)
    }

    @Test func aProjectorKilledWhileCommandsArriveLeavesTheWholeViewAndPublishesNothingTwice() throws {
        try RedisServer.shared().withDatabase { database in
            var random = SeededRandom(state: 20_261_219)
            let work = try TestLog.temporaryDirectory()
            let db = work.appendingPathComponent("log.db").path
            let connection = try RedisConnection(url: database.url)
            let projected = database.prefix + "p:"
            let timed = database.prefix + "timed:"
            let tasks = 3_000
            #expect(try ChronicleBinary.run(["append", "--db", db], input: Self.initialLog(tasks: tasks)).status == 0)
            let subscriber = try Subscriber(
                url: database.url, channel: projected + "chronicle:changes", file: work.appendingPathComponent("published.txt"))
            defer { if subscriber.process.isRunning { kill(subscriber.process.processIdentifier, SIGKILL) } }
            let environment = ["CHRONICLE_REDIS_URL": ProjectRedisTests.whole(database.url)]

            // A twin under another prefix, brought up to the log before each round as the
            // killed projector will be: how long that takes here and now is how long the killed
            // run's catch-up takes at least, and the kill falls anywhere in it.
            func runTime() throws -> UInt32 {
                let started = Date()
                let run = try ChronicleBinary.run(["project", "redis", "--prefix", timed, "--db", db], input: "", environment: environment)
                #expect(run.status == 0, "\(run.stderr)")
                return max(UInt32(Date().timeIntervalSince(started) * 1_000_000), 100_000)
            }

            let rounds = 8
            var killedCatchingUp = 0, killedFollowing = 0, killedWorking = 0, runTimes: [UInt32] = []
            for round in 0..<rounds {
                if round > 0 {
                    let more = Int.random(in: 100...600, using: &random)
                    let backlog = ProjectorCrashTests.changes(more, tasks: tasks, seq: Int(try Self.tip(db)), &random)
                    #expect(try ChronicleBinary.run(["append", "--db", db], input: backlog).status == 0)
                }
                let runMicroseconds = try runTime()
                runTimes.append(runMicroseconds)
                // Commands keep arriving while it runs: an appender fed line by line across three
                // run times, the catch-up and the following after it.
                var seq = Int(try Self.tip(db))
                let lines = (0..<60).map { n in
                    let line = RandomHistory.line(round * 60 + n, seq: seq, futureDated: false, &random)
                    seq += 1
                    return line
                }
                let appender = Process()
                appender.executableURL = ChronicleBinary.url
                appender.arguments = ["append", "--db", db]
                let input = Pipe(), output = Pipe()
                appender.standardInput = input
                appender.standardOutput = output
                appender.standardError = FileHandle.nullDevice
                let stderr = work.appendingPathComponent("projector-\(round).txt")
                let projector = try Self.follower(db: db, prefix: projected, url: database.url, stderr: stderr)
                try appender.run()
                let acks = PipeCollector(output.fileHandleForReading)
                let fed = DispatchSemaphore(value: 0)
                let spacing = runMicroseconds * 3 / UInt32(lines.count)
                Thread {
                    for line in lines {
                        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
                        usleep(spacing)
                    }
                    try? input.fileHandleForWriting.close()
                    fed.signal()
                }.start()
                // Even rounds: a kill inside the catch-up (folding, the batch of the backlog, a whole
                // load); odd ones: while it follows the commands arriving, publishing as it goes.
                let window = round % 2 == 0 ? runMicroseconds / 20...runMicroseconds * 19 / 20 : runMicroseconds...runMicroseconds * 3
                usleep(UInt32.random(in: window, using: &random))
                let said = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
                let tipAtKill = try Self.tip(db)
                kill(projector.processIdentifier, SIGKILL)
                projector.waitUntilExit()
                #expect(projector.terminationReason == .uncaughtSignal, "round \(round): it ended before the kill: \(said)")
                let catchingUp = !said.contains("up to #")
                let behind = (try Self.checkpoint(connection, prefix: projected)).map { $0 < tipAtKill } ?? true
                if catchingUp { killedCatchingUp += 1 } else if behind { killedFollowing += 1 }
                if catchingUp || behind { killedWorking += 1 }
                fed.wait()
                appender.waitUntilExit()
                #expect(appender.terminationStatus == 0)
                #expect(acks.finish().split(separator: "\n").count == lines.count, "round \(round): a command was not acked")
            }
            // A kill while it idles between commands proves little: most must land while it works
            // (catching up, or with committed commands it had not applied yet).
            #expect(killedWorking >= 4, "only \(killedWorking) of \(rounds) kills landed while it worked")

            let last = try ChronicleBinary.run(
                ["project", "redis", "--prefix", projected, "--db", db], input: "", environment: environment)
            #expect(last.status == 0, "\(last.stderr)")
            #expect(try Self.checkpoint(connection, prefix: projected) == (try Self.tip(db)))
            let differing = try Self.differences(connection, prefix: projected, loaded: database.prefix + "l:", db: db)
            #expect(differing.isEmpty, "\(differing.count) keys differ from the whole view loaded fresh, e.g. \(differing.prefix(5))")

            let payloads = try subscriber.finish(connection)
            let (twice, backwards) = Self.repeats(payloads, positions: try Self.positions(db))
            #expect(payloads.count >= rounds, "too few messages to say anything: \(payloads.count)")
            #expect(twice.isEmpty, "\(twice.count) changes published twice, e.g. \(twice.prefix(5))")
            #expect(backwards == 0, "\(backwards) messages came after one of a later batch")
            print(
                "RedisCrashTests: run times \(runTimes.map { $0 / 1_000 }) ms; \(killedWorking) of \(rounds) kills while it worked: \(killedCatchingUp) catching up, \(killedFollowing) following with committed commands not yet applied; \(payloads.count) messages"
            )
        }
    }

    /// How the server comes back.
    enum Restart: String, CaseIterable {
        /// `SHUTDOWN SAVE`, then started with its data.
        case withItsData
        /// `SHUTDOWN NOSAVE`: started with the data of the save before, its checkpoint behind.
        case fromAnOlderSave
        /// `SHUTDOWN NOSAVE` with no save left: started empty.
        case empty
    }

    /// Appends cannot depend on Redis: `chronicle append` has no Redis client and no URL (no
    /// code of ChronicleApp or of the append command names one). So what is checked is that none
    /// is lost or slowed: every line appended while the server is down is acked, as fast as
    /// with it up (within a factor that a loaded machine's noise stays under).
    @Test func theServerStoppedAndStartedAgainIsCaughtUpWithNoCommandLost() throws {
        let server = try RedisServer.start()
        defer { server.stop() }
        var random = SeededRandom(state: 20_261_204)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let prefix = "p:"
        let tasks = 300
        #expect(try ChronicleBinary.run(["append", "--db", db], input: Self.initialLog(tasks: tasks)).status == 0)
        let stderr = work.appendingPathComponent("projector.txt")
        let projector = try Self.follower(db: db, prefix: prefix, url: server.url, stderr: stderr)
        defer { if projector.isRunning { kill(projector.processIdentifier, SIGKILL) } }
        func told() -> String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
        func said(_ text: String) -> Int { told().components(separatedBy: text).count - 1 }
        func batch() throws -> [String] {
            let text = ProjectorCrashTests.changes(150, tasks: tasks, seq: Int(try Self.tip(db)), &random)
            return text.split(separator: "\n").map(String.init)
        }
        var connection = try RedisConnection(url: server.url)
        #expect(try Self.waitCaughtUp(connection, prefix: prefix, db: db), "\(told())")

        // The appender's time with the server up: the best of three, the projector following.
        var up: [Double] = []
        for _ in 0..<3 {
            let (seconds, acked) = try Self.append(try batch(), db: db)
            #expect(acked, "a command appended with the server up was not acked")
            up.append(seconds)
        }
        #expect(try Self.waitCaughtUp(connection, prefix: prefix, db: db))

        var outageTimes: [Double] = []
        for (n, restart) in Restart.allCases.enumerated() {
            let loadedBefore = said("loaded whole")
            if restart == .empty, let directory = server.dataDirectory {
                try? FileManager.default.removeItem(atPath: directory + "/dump.rdb")
            }
            connection.close()
            let stopped = Date()
            server.shutDown(saving: restart == .withItsData)
            // Commands keep coming for at least 3 s of outage (retries at 50, 100, 200 … ms).
            repeat {
                let (seconds, acked) = try Self.append(try batch(), db: db)
                #expect(acked, "\(restart): a command appended with the server down was not acked")
                outageTimes.append(seconds)
                usleep(300_000)
            } while Date().timeIntervalSince(stopped) < 3
            #expect(said("is down (") == n + 1, "\(restart): \(told())")
            // What the server starts with: a save (its own, or the one before), or nothing.
            #expect(FileManager.default.fileExists(atPath: (server.dataDirectory ?? "") + "/dump.rdb") == (restart != .empty))
            try server.restart()
            connection = try RedisConnection(url: server.url)
            #expect(try Self.waitCaughtUp(connection, prefix: prefix, db: db), "\(restart): not caught up: \(told())")
            // It says so just after its transaction: give it a moment.
            let patience = Date().addingTimeInterval(10)
            while said(": back after ") < n + 1, Date() < patience { usleep(20_000) }
            // Once down and once back per outage, whatever the number of attempts between.
            #expect(said("is down (") == n + 1 && said(": back after ") == n + 1, "\(restart): \(told())")
            // Only the server restarted empty is loaded whole again; the others go on from their checkpoint.
            #expect(said("loaded whole") == loadedBefore + (restart == .empty ? 1 : 0), "\(restart): \(told())")
            let differing = try Self.differences(connection, prefix: prefix, loaded: "l:", db: db)
            #expect(
                differing.isEmpty,
                "\(restart): \(differing.count) keys differ from the whole view loaded fresh, e.g. \(differing.prefix(5))")
            for key in try ProjectRedisTests.dump(connection, prefix: "l:").keys { _ = try connection.send([["DEL", "l:" + key]]) }
        }
        let best = up.min() ?? 0
        #expect(
            outageTimes.allSatisfy { $0 <= best * 3 + 1 },
            "appending 150 commands took \(outageTimes) s with the server down, \(up) s with it up")

        // SIGINT ends it cleanly (not blocked under swift test, unlike SIGTERM).
        kill(projector.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while projector.isRunning, Date() < deadline { usleep(20_000) }
        #expect(!projector.isRunning, "SIGINT did not stop it")
        if !projector.isRunning { #expect(projector.terminationStatus == 0 && said("stopped at #") == 1, "\(told())") }
        print("RedisCrashTests: 150 commands appended in \(up) s with the server up, \(outageTimes) s down")
    }

    /// A server up but refusing writes (here its memory limit; a replica after a failover, a
    /// failing save, alike): the follower waits for it as for a server down, saying so once,
    /// instead of ending, and catches up when it takes writes again.
    @Test func aServerRefusingWritesIsWaitedForAndCaughtUpWith() throws {
        let server = try RedisServer.start()
        defer { server.stop() }
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: Self.initialLog(tasks: 30)).status == 0)
        let stderr = work.appendingPathComponent("projector.txt")
        let projector = try Self.follower(db: db, prefix: "p:", url: server.url, stderr: stderr)
        defer { if projector.isRunning { kill(projector.processIdentifier, SIGKILL) } }
        func told() -> String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
        let connection = try RedisConnection(url: server.url)
        #expect(try Self.waitCaughtUp(connection, prefix: "p:", db: db), "\(told())")
        _ = try connection.send([["CONFIG", "SET", "maxmemory", "1"]])
        for n in 0..<3 {
            #expect(try ChronicleBinary.run(["append", "--db", db], input: "su:t\(n)|in_progress|0.5\n").status == 0)
            usleep(700_000)
        }
        #expect(projector.isRunning, "the follower ended on a refused batch: \(told())")
        _ = try connection.send([["CONFIG", "SET", "maxmemory", "0"]])
        #expect(try Self.waitCaughtUp(connection, prefix: "p:", db: db), "\(told())")
        let patience = Date().addingTimeInterval(10)
        while !told().contains(": back after "), Date() < patience { usleep(20_000) }
        #expect(told().components(separatedBy: "refuses the writes (").count == 2, "\(told())")
        #expect(told().components(separatedBy: ": back after ").count == 2, "\(told())")
        let differing = try Self.differences(connection, prefix: "p:", loaded: "l:", db: db)
        #expect(differing.isEmpty, "\(differing.count) keys differ from the whole view loaded fresh, e.g. \(differing.prefix(5))")
    }
}
