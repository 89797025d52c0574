import ChronicleStore
import ChronicleTesting
import Foundation
import GRDB
import Testing

/// The command streams of `replay-fixtures/`, replayed through the built binary under the test
/// clock, against their golden acks. Re-record with `CHRONICLE_RECORD_GOLDEN=1 swift test`.
@Suite struct GoldenFixtureTests {
    static let fixtures = ["seed-examples"]

    @Test(arguments: fixtures)
    func acksMatchTheGoldenFile(fixture: String) throws {
        let dir = packageRoot.appendingPathComponent("replay-fixtures/\(fixture)")
        let input = try String(contentsOf: dir.appendingPathComponent("commands.txt"), encoding: .utf8)
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let result = try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let golden = dir.appendingPathComponent("acks.golden")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try result.stdout.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(result.stdout == expected)
        #expect(try LogIntegrity.check(EventLog(path: db, logger: TestLog.silentLogger)).isEmpty)
    }

    /// Every event's hash in the chain, as the log stores it: the hash function or the hashed
    /// bytes cannot change without this failing (the golden file was written by the build that
    /// hashed with swift-crypto; the chain now uses the system's libcrypto).
    @Test(arguments: fixtures)
    func hashesMatchTheGoldenFile(fixture: String) throws {
        let dir = packageRoot.appendingPathComponent("replay-fixtures/\(fixture)")
        let input = try String(contentsOf: dir.appendingPathComponent("commands.txt"), encoding: .utf8)
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        let hashes = try DatabaseQueue(path: db).read { db in
            try String.fetchAll(db, sql: "SELECT seq || ' ' || lower(hex(hash)) FROM events ORDER BY seq")
        }
        let text = hashes.map { $0 + "\n" }.joined()
        let golden = dir.appendingPathComponent("hashes.golden")
        if ProcessInfo.processInfo.environment["CHRONICLE_RECORD_GOLDEN"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        #expect(!hashes.isEmpty)
        #expect(text == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test(arguments: fixtures)
    func replayIntoAnEmptyLogGivesTheSameLogByteForByte(fixture: String) throws {
        let input = try String(contentsOf: packageRoot.appendingPathComponent("replay-fixtures/\(fixture)/commands.txt"), encoding: .utf8)
        var dumps: [String] = []
        for _ in 0..<2 {
            let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
            let result = try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock)
            #expect(result.status == 0)
            dumps.append(try dumpLog(db))
        }
        #expect(!dumps[0].isEmpty)
        #expect(dumps[0] == dumps[1])
    }

    /// The same input given in one pipe and line by line in separate runs: group commit changes no byte.
    @Test func batchingDoesNotChangeTheLog() throws {
        let input = try String(
            contentsOf: packageRoot.appendingPathComponent("replay-fixtures/seed-examples/commands.txt"), encoding: .utf8)
        let whole = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let run = try ChronicleBinary.run(["append", "--db", whole], input: input, environment: fixedClock)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(!run.stdout.isEmpty)
        let pieces = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let lines = input.split(separator: "\n", omittingEmptySubsequences: false)
        for chunk in stride(from: 0, to: lines.count, by: 7) {
            let part = lines[chunk..<min(chunk + 7, lines.count)].joined(separator: "\n") + "\n"
            let piece = try ChronicleBinary.run(["append", "--db", pieces], input: part, environment: fixedClock)
            #expect(piece.status == 0, "lines \(chunk + 1)…: \(piece.stderr)")
            // Every run but one of comment lines only acks something.
            if part.split(separator: "\n").contains(where: { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }) {
                #expect(!piece.stdout.isEmpty, "lines \(chunk + 1)…")
            }
        }
        let dump = try dumpLog(whole)
        #expect(dump.split(separator: "\n").count > 10)
        #expect(dump == (try dumpLog(pieces)))
    }
}
