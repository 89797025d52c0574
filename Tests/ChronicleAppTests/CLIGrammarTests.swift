import ChronicleTesting
import Foundation
import Testing

/// One grammar for the command line: each wrong usage gets its own message, its own
/// subcommand's usage and exit status 2; a reader never creates a log.
@Suite struct CLIGrammarTests {
    /// A log of 3 events.
    static func log() throws -> (dir: URL, db: String) {
        let dir = try TestLog.temporaryDirectory()
        let db = dir.appendingPathComponent("log.db").path
        let input = "ms:a|1|semantic\nms:a|2|semantic\ntc:Fix bug|feature|low\n"
        #expect(try ChronicleBinary.run(["append", "--db", db], input: input, environment: fixedClock).status == 0)
        return (dir, db)
    }

    /// (arguments after `--db LOG`, exit status, a part of stderr).
    static let wrong: [([String], Int32, String)] = [
        (["tail", "--from", "#5"], 2, "--from '#5' is past the end of the log: its last position is #3"),
        (["tail", "--from", "x"], 2, "--from 'x' is not a log position: write #SEQ or SEQ"),
        (["snapshot", "--at", "#500000"], 2, "--at '#500000' is past the end of the log: its last position is #3"),
        (["snapshot", "--at", "#0"], 2, "--at '#0' is not a log position"),
        (["query", "memory", "a", "--known-at", "#120"], 2, "--known-at '#120' is past the end of the log: its last position is #3"),
        (["query", "memory", "a", "--known-at", "yesterday"], 2, "--known-at 'yesterday' is neither an RFC 3339 time"),
        (["query", "memory", "a", "--valid-at", "#2"], 2, "a log position goes with --known-at"),
        (["query", "tasks", "fix_bug_001"], 2, "for one, use: query task fix_bug_001"),
        (["query", "tasks", "--status", "in_progres"], 2, "'in_progres' is not a task status; use one of pending, in_progress"),
        (["query", "workflows", "--status", "runing"], 2, "'runing' is not a workflow status"),
        (["query", "widgets"], 2, "'widgets' is not task, memory or workflow"),
        (["query", "memory", "a", "--synchronous", "full"], 2, "Unknown option '--synchronous'"),
        (["diff", "--from", "#1"], 2, "log positions go with --axis known"),
        (["diff", "--axis", "known", "--from", "#9"], 2, "--from '#9' is past the end of the log: its last position is #3"),
    ]

    @Test(arguments: wrong)
    func aWrongUsageSaysWhatIsWrong(arguments: [String], status: Int32, message: String) throws {
        let (_, db) = try Self.log()
        let result = try ChronicleBinary.run([arguments[0], "--db", db] + arguments.dropFirst())
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        // The usage shown is the subcommand's, not the top level's.
        #expect(result.stderr.contains("chronicle \(arguments[0])"), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Positions are written the same way everywhere: `#SEQ`, or a plain number where only a
    /// position is taken.
    @Test(arguments: [["tail", "--from", "#3"], ["tail", "--from", "3"], ["tail", "--from", "#4"]])
    func positionsAreTakenAsHashOrNumber(arguments: [String]) throws {
        let (_, db) = try Self.log()
        let result = try ChronicleBinary.run([arguments[0], "--db", db] + arguments.dropFirst())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == (arguments.last == "#4" ? 0 : 1))
    }

    @Test(arguments: [["snapshot"], ["snapshot", "--list"], ["query", "tasks"], ["verify"], ["tail"], ["history", "memory", "a"]])
    func noReaderCreatesALog(arguments: [String]) throws {
        let dir = try TestLog.temporaryDirectory()
        let db = dir.appendingPathComponent("typo.db").path
        let result = try ChronicleBinary.run([arguments[0], "--db", db] + arguments.dropFirst())
        #expect(result.status == 3)
        #expect(result.stderr.contains("no log at \(db)"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func theVersionIsPrinted() throws {
        let result = try ChronicleBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: ".").count == 3)
    }

    /// Every command's help gives its exit statuses, 2 (bad arguments) among them.
    @Test(arguments: ["append", "query", "history", "diff", "tail", "verify", "snapshot"])
    func everyHelpGivesTheExitStatuses(command: String) throws {
        let help = try ChronicleBinary.run([command, "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(help.contains("Exit status"))
        #expect(help.contains("2 bad arguments"), "\(command)")
    }
}
