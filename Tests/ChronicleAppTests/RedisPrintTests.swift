import ChronicleTesting
import Foundation
import Testing

/// `chronicle replay redis --print`: the whole Redis view as RESP, with no server. The seed
/// examples give the golden RESP (re-recorded only with `CHRONICLE_RECORD_GOLDEN=1 swift
/// test`); the context keys hold the YAML tree's bytes of the same context files.
@Suite struct RedisPrintTests {
    /// The log's identity is made at random with the log: it is the one part of the output that
    /// differs between two logs of the same commands.
    static func withoutIdentity(_ resp: String, db: String) throws -> String {
        let identity = try #require(
            ChronicleBinary.run(["status", "--db", db, "--format", "json"], input: "").stdout
                .firstMatch(of: /"identity":"([0-9a-f]+)"/)?.1)
        return resp.replacingOccurrences(of: String(identity), with: String(repeating: "0", count: identity.count))
    }

    /// The RESP commands of `resp`, each its arguments.
    static func commands(_ resp: String) -> [[String]] {
        var out: [[String]] = []
        var bytes = Array(resp.utf8)[...]
        func line() -> String {
            let end = bytes.firstIndex(of: 13)!
            defer { bytes = bytes[(end + 2)...] }
            return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
        }
        while !bytes.isEmpty {
            let count = Int(line().dropFirst())!
            var command: [String] = []
            for _ in 0..<count {
                let length = Int(line().dropFirst())!
                command.append(String(decoding: bytes.prefix(length), as: UTF8.self))
                bytes = bytes.dropFirst(length + 2)
            }
            out.append(command)
        }
        return out
    }

    @Test func theSeedExamplesGiveTheGoldenRESP() throws {
        let fixture = packageRoot.appendingPathComponent("replay-fixtures/seed-examples")
        let input = try String(contentsOf: fixture.appendingPathComponent("commands.txt"), encoding: .utf8)
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        let printed = try ChronicleBinary.run(["replay", "redis", "--print", "--db", db], input: "", environment: fixedClock)
        #expect(printed.status == 0, "\(printed.stderr)")
        let resp = try Self.withoutIdentity(printed.stdout, db: db)
        let golden = fixture.appendingPathComponent("redis-view.resp")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try Data(resp.utf8).write(to: golden)
            return
        }
        #expect(resp == (try String(contentsOf: golden, encoding: .utf8)))

        // Each context key holds the YAML tree's file of the same context path, byte for byte.
        let tree = work.appendingPathComponent("tree")
        #expect(try ChronicleBinary.run(["replay", "yaml", tree.path, "--db", db], input: "", environment: fixedClock).status == 0)
        let contexts = Self.commands(resp).filter { $0.first == "HSET" && $0[1].hasPrefix("contexts:") }
        #expect(!contexts.isEmpty)
        for command in contexts {
            let file = command[1].split(separator: ":").joined(separator: "/") + ".yaml"
            let content = try #require(command.firstIndex(of: "content").map { command[$0 + 1] })
            #expect(content == (try String(contentsOf: tree.appendingPathComponent(file), encoding: .utf8)), "\(file)")
        }
    }

    /// Every key under the prefix; indexes follow the tasks as of the point asked for.
    @Test func aPrefixAndAPastPoint() throws {
        let work = try TestLog.temporaryDirectory()
        let db = work.appendingPathComponent("log.db").path
        let input = """
            {"cmd":"task.create","id":"t1","title":"Login","intent":"feature","complexity":"low","keywords":["auth","ui"],"related":["t2"]}
            su:t1|in_progress|0.5

            """
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        func keys(_ args: [String]) throws -> [String: [String]] {
            let printed = try ChronicleBinary.run(["replay", "redis", "--print", "--db", db] + args, input: "", environment: fixedClock)
            #expect(printed.status == 0, "\(printed.stderr)")
            var out: [String: [String]] = [:]
            for command in Self.commands(printed.stdout) where command[0] != "DEL" { out[command[1]] = Array(command.dropFirst(2)) }
            return out
        }
        let now = try keys(["--prefix", "tenant1:"])
        #expect(now.keys.allSatisfy { $0.hasPrefix("tenant1:") }, "\(now.keys.sorted())")
        #expect(now["tenant1:idx:status:in_progress"] == ["t1"])
        #expect(now["tenant1:idx:status:pending"] == nil)
        #expect(now["tenant1:idx:keyword:auth"] == ["t1"] && now["tenant1:idx:related:t2"] == ["t1"])
        #expect(now["tenant1:idx:confidence"]?.count == 2)
        let then = try keys(["--known-at", "#1"])
        #expect(then["idx:status:pending"] == ["t1"] && then["idx:status:in_progress"] == nil)
        #expect(then["chronicle:checkpoint"]?.contains("1") == true)
        // Without --print it builds on a server: with none named, a bad argument; a past point
        // on a server needs --into.
        #expect(try ChronicleBinary.run(["replay", "redis", "--db", db], input: "", environment: ["CHRONICLE_REDIS_URL": ""]).status == 2)
        #expect(try ChronicleBinary.run(["replay", "redis", "--db", db, "--known-at", "#1"], input: "").status == 2)
    }
}
