import ChronicleTesting
import Foundation
import GRDB
import Testing

/// `chronicle query` and `history` through the binary: filters, formats and exit statuses.
@Suite struct QueryCommandTests {
    static func log() throws -> String {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let r = try ChronicleBinary.run(
            ["append", "--db", db],
            input: """
                {"cmd":"task.create","id":"a","title":"Alpha","intent":"feature","complexity":"low","keywords":["api"]}
                {"cmd":"task.create","id":"b","title":"Beta","intent":"bugfix","complexity":"high","context_cascade":"contexts/dev"}
                su:a|in_progress|0.5
                wf:deploy|{env:'prod'}
                ms:theme|dark|semantic
                """, environment: fixedClock)
        #expect(r.status == 0 && !r.stdout.contains("er:"), "\(r.stdout)")
        return db
    }

    @Test(arguments: [
        (["--status", "in_progress"], ["a"]), (["--intent", "bugfix"], ["b"]), (["--keyword", "api"], ["a"]),
        (["--context", "contexts/dev"], ["b"]), (["--status", "completed"], []), ([], ["a", "b"]),
    ])
    func taskFiltersKeepTheMatchingTasks(filter: [String], ids: [String]) throws {
        let db = try Self.log()
        let r = try ChronicleBinary.run(["query", "tasks", "--db", db, "--format", "json"] + filter, environment: fixedClock)
        #expect(r.status == 0, "\(r.stderr)")
        let tasks = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(tasks?.compactMap { $0["id"] as? String } == ids)
    }

    @Test func yamlIsTheDefaultAndReadsBack() throws {
        let db = try Self.log()
        let r = try ChronicleBinary.run(["query", "workflow", "deploy_001", "--db", db], environment: fixedClock)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("id: deploy_001\nworkflow: deploy\nstatus: running\nprogress: 0\nparams:\n  env: prod\nsteps: []\n"))
    }

    /// Each version names the command that appended its event: the id a JSON command or an
    /// envelope gave it, or `@SEQ` for a command given none — in every format.
    @Test func historyNamesTheCommandOfEachVersion() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let appended = try ChronicleBinary.run(
            ["append", "--db", db],
            input: """
                {"cmd":"task.create","id":"auth","title":"Auth","intent":"feature","complexity":"low","command_id":"file-0123456789abcdef01234567-1"}
                [id=file-0123456789abcdef01234567-2] su:auth|in_progress|0.25
                su:auth|in_progress|0.5
                """, environment: fixedClock)
        #expect(appended.status == 0 && !appended.stdout.contains("er:"), "\(appended.stdout)")
        // A version is remade when a later event cuts its valid interval: seqs 1 and 2 have two each.
        let command = [1: "file-0123456789abcdef01234567-1", 2: "file-0123456789abcdef01234567-2", 3: "@3"]
        let seqs = [1, 1, 2, 2, 3]

        let json = try ChronicleBinary.run(["history", "task", "auth", "--db", db, "--format", "json"], environment: fixedClock)
        #expect(json.status == 0, "\(json.stderr)")
        let versions = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(versions.map { $0["seq"] as? Int } == seqs)
        #expect(versions.map { $0["command"] as? String } == seqs.map { command[$0] })
        // The member follows "fate".
        #expect(json.stdout.contains(#""fate":"current","command":"@3","state":{"id":"auth""#), "\(json.stdout)")

        let yaml = try ChronicleBinary.run(["history", "task", "auth", "--db", db, "--format", "yaml"], environment: fixedClock)
        #expect(yaml.status == 0, "\(yaml.stderr)")
        #expect(yaml.stdout.contains("  fate: current\n  command: '@3'\n  state:\n"), "\(yaml.stdout)")

        let table = try ChronicleBinary.run(["history", "task", "auth", "--db", db], environment: fixedClock)
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first?.suffix(2) == ["command", "state"])
        #expect(rows.dropFirst(2).map { [$0[0], $0[6]] } == seqs.map { [String($0), command[$0]!] })
    }

    @Test(arguments: [
        ["query", "task"], ["query", "tasks", "a"], ["query", "planets"], ["query", "task", "a", "--status", "pending"],
        ["query", "tasks", "--known-at", "yesterday"], ["query", "tasks", "--valid-at", "2025-13-01T00:00:00Z"],
        ["query", "task", "../etc"], ["history", "planet", "x"], ["query", "tasks", "--format", "xml"],
        ["diff"], ["diff", "--from", "yesterday"], ["diff", "--from", "#3"],
        ["diff", "--from", "2025-01-01T00:00:00Z", "--kind", "planets"],
        ["diff", "--from", "2025-01-01T00:00:00Z", "--valid-at", "2025-01-01T00:00:00Z"], ["tail", "--format", "xml"],
    ])
    func badArgumentsExitTwo(args: [String]) throws {
        let db = try Self.log()
        let r = try ChronicleBinary.run(args + ["--db", db], environment: fixedClock)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// Readers never take the write lock: they answer while another process holds it.
    @Test func readersDoNotWaitForAWriter() throws {
        let db = try Self.log()
        try DatabaseQueue(path: db).inDatabase { conn in
            try conn.execute(sql: "BEGIN IMMEDIATE")
            defer { try? conn.execute(sql: "ROLLBACK") }
            for args in [["query", "tasks"], ["tail"], ["verify"], ["history", "task", "a"], ["diff", "--from", "2025-01-01T00:00:00Z"]] {
                let r = try ChronicleBinary.run(args + ["--db", db], environment: fixedClock)
                #expect(r.status == 0, "\(args): \(r.stderr)")
            }
        }
    }

    @Test func anUnknownEntityExitsOneAndAMissingLogThree() throws {
        let db = try Self.log()
        let unknown = try ChronicleBinary.run(["query", "task", "zeta", "--db", db], environment: fixedClock)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no task 'zeta'"))
        #expect(try ChronicleBinary.run(["history", "task", "zeta", "--db", db]).status == 1)
        let missing = try TestLog.temporaryDirectory().appendingPathComponent("absent.db").path
        let r = try ChronicleBinary.run(["query", "tasks", "--db", missing])
        #expect(r.status == 3)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
