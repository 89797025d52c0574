import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

/// `chronicle status` through the binary: the log's head and each tree's checkpoint, lag and
/// projector state, from the command line or config/views.yaml, in text and JSON.
@Suite struct StatusCommandTests {
    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func idleBehindAndNotBuiltTreesAreReported() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree").path
        let never = work.appendingPathComponent("never").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:a|1|semantic\nms:b|2|semantic\n").status == 0)
        #expect(try ChronicleBinary.run(["project", "yaml", tree, "--db", db], input: "").status == 0)
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:c|3|semantic\n").status == 0)

        let text = try ChronicleBinary.run(["status", tree, "--db", db], input: "")
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("log \(db): head #3") == true, "\(text.stdout)")
        // A catch-up without --follow leaves no heartbeat.
        #expect(lines.last == "yaml \(tree): #2, version 1, 1 behind, idle", "\(text.stdout)")

        let missing = try ChronicleBinary.run(["status", tree, never, "--db", db], input: "")
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("yaml \(never): not built (run `chronicle project yaml \(never)`)"))
        #expect(missing.stderr.contains("1 of the views named is not built, refused or unreachable"), "\(missing.stderr)")

        let json = try ChronicleBinary.run(["status", tree, "--db", db, "--format", "json"], input: "")
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let log = try #require(object["log"] as? [String: Any])
        #expect(log["head"] as? Int == 3)
        let views = try #require(object["views"] as? [[String: Any]])
        #expect(views.count == 1)
        #expect(views.first?["state"] as? String == "idle")
        #expect(views.first?["seq"] as? Int == 2)
        #expect(views.first?["behind"] as? Int == 1)
    }

    @Test func aFollowingProjectorIsAliveThenStalledWhenKilled() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let tree = work.appendingPathComponent("tree").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:a|1|semantic\n").status == 0)
        let follower = Process()
        follower.executableURL = ChronicleBinary.url
        follower.arguments = ["project", "yaml", tree, "--db", db, "--follow"]
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        func state() -> String? {
            guard let result = try? ChronicleBinary.run(["status", tree, "--db", db, "--format", "json"], input: ""),
                let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                let view = (object["views"] as? [[String: Any]])?.first
            else { return nil }
            return "\(view["state"] ?? "-") \(view["behind"] ?? "-") \(view["pid"] ?? "-")"
        }
        let pid = follower.processIdentifier
        #expect(Self.waitFor(20) { state() == "alive 0 \(pid)" }, "\(state() ?? "no status")")
        // It keeps up: a new command is applied, and the beat says so.
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:b|2|semantic\n").status == 0)
        #expect(Self.waitFor(10) { state() == "alive 0 \(pid)" })
        kill(pid, SIGKILL)
        follower.waitUntilExit()
        // The heartbeat still says following, but grows old.
        #expect(Self.waitFor(10) { state()?.hasPrefix("stalled") == true }, "\(state() ?? "no status")")
    }

    @Test func theViewsFileNamesTheTrees() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: "ms:a|1|semantic\n").status == 0)
        // Missing parents are created, as for replay.
        #expect(try ChronicleBinary.run(["project", "yaml", "views/tree", "--db", db], input: "", in: work).status == 0)
        #expect(try ChronicleBinary.run(["replay", "yaml", "views/old/tree", "--db", db], input: "", in: work).status == 0)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("config"), withIntermediateDirectories: true)
        // Relative to the file's directory.
        try Data("version: 1\nyaml: [../views/tree]\n".utf8).write(to: work.appendingPathComponent("config/views.yaml"))
        let found = try ChronicleBinary.run(["status", "--db", db], input: "", in: work)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("yaml config/../views/tree: #1, version 1, up to date, idle"), "\(found.stdout)")

        let named = try ChronicleBinary.run(["status", "--db", db, "--config", "nowhere.yaml"], input: "", in: work)
        #expect(named.status == 2)
        #expect(named.stderr.contains("views config nowhere.yaml: no such file"), "\(named.stderr)")

        try Data("version: 2\nyaml: [a]\n".utf8).write(to: work.appendingPathComponent("config/views.yaml"))
        let bad = try ChronicleBinary.run(["status", "--db", db], input: "", in: work)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("version 2 is not supported"), "\(bad.stderr)")
    }
}
