public import ChronicleCore
public import ChronicleStore
public import Foundation
public import Logging

/// Test stand-ins: an in-memory or temporary log, the fixed clock, and an appender fed with text.
public enum TestLog {
    /// The start of the test clock used across the tests and `replay-fixtures/`.
    public static let clockStart = Timestamp(rfc3339: "2025-06-01T10:00:00Z")!
    public static var clock: FixedClock { FixedClock(start: clockStart) }

    /// A logger that discards everything.
    public static var silentLogger: Logger { Logger(label: "chronicle.test") { _ in SwiftLogNoOpLogHandler() } }

    /// A private log in memory.
    public static func inMemory() throws -> EventLog { try EventLog(path: ":memory:", logger: silentLogger) }

    /// A fresh directory for a test's files, inside this process's ``temporaryRoot`` (removed
    /// when the process exits).
    public static func temporaryDirectory() throws -> URL {
        let url = temporaryRoot.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A log in a fresh temporary directory, and its path.
    public static func temporaryLog() throws -> (EventLog, String) {
        let path = try temporaryDirectory().appendingPathComponent("log.db").path
        return (try EventLog(path: path, logger: silentLogger), path)
    }

    /// `chronicle-test-PID` under the system's temporary directory: every test directory of
    /// this process, removed with it at exit (`atexit`; a process that is killed leaves it).
    public static let temporaryRoot: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-test-\(getpid())")
        try? FileManager.default.removeItem(at: root)  // left by a killed process with the same id
        atexit { try? FileManager.default.removeItem(at: TestLog.temporaryRoot) }
        return root
    }()

    /// An appender on `log` with the fixed clock.
    public static func appender(_ log: EventLog, routing: RoutingPolicy = .builtIn) throws -> Appender {
        try Appender(log: log, decider: Decider(routing: routing), clock: clock, logger: silentLogger)
    }
}

extension Appender {
    /// Parses `text` line by line as `chronicle append` would and appends it in one batch;
    /// returns the coded acks (comments and empty lines get none).
    public func append(text: String) throws -> [String] {
        var lines: [Appender.Line] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            do {
                if case .command(let c, let e) = try CodedLanguage.parse(line: raw) {
                    lines.append(Appender.Line(number: i + 1, parsed: .success((c, e))))
                }
            } catch {
                lines.append(Appender.Line(number: i + 1, parsed: .failure(error)))
            }
        }
        return try append(lines).map(\.coded)
    }
}

extension Appender {
    /// The state the appender holds of `stream` as of the end of valid time, loaded from the log
    /// when it was not yet.
    public func liveEntity(_ stream: StreamID) throws -> Entity? {
        try log.read { tx in try live.entity(stream, asOf: .latest, in: tx) }
    }
}
