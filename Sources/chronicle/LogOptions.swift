public import ArgumentParser
import ChronicleApp
import ChronicleCore
public import ChronicleStore
import Foundation
public import Logging

/// Options every subcommand that opens the log shares.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "The log file (default: $CHRONICLE_DB or ./chronicle.db).")
    var db: String?

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var path: String { db ?? environment["CHRONICLE_DB"] ?? "chronicle.db" }

    /// The recording clock `CHRONICLE_CLOCK` names (`system` when unset); a bad setting is a
    /// bad argument (exit status 2).
    func clock() throws -> any RecordingClock {
        do {
            return try ClockSetting.clock(from: environment["CHRONICLE_CLOCK"])
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// A logger writing to stderr, never to stdout where the acks go.
    func logger(label: String) -> Logger {
        let level = logLevel ?? environment["CHRONICLE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    /// Opens the log (creating it when missing: appends only); throws a ``StoreError`` (exit
    /// status 3) saying what to do when it cannot.
    func open(logger: Logger, durability: EventLog.Durability) throws -> EventLog {
        try EventLog(path: path, durability: durability, logger: logger)
    }

    /// Opens a log that must already exist (only appends create one); throws
    /// ``CommandFailure/noLog(path:)`` or a ``StoreError`` (exit status 3) when it cannot;
    /// `forWriting` for a command that writes to it (`snapshot`).
    func openExisting(logger: Logger, forWriting: Bool = false) throws -> EventLog {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure.noLog(path: path) }
        return try EventLog(path: path, forWriting: forWriting, logger: logger)
    }
}

extension EventLog {
    /// The log's last position (0 when empty), for checking a position given on the command
    /// line; a log that cannot be read is ``CommandFailure/unreadable(_:)``.
    func lastPosition() throws -> Int64 {
        do {
            return try read { try $0.tail()?.seq } ?? 0
        } catch {
            throw CommandFailure.unreadable(error)
        }
    }
}

/// `--synchronous`, for the commands whose commits acknowledge input (`append`).
struct DurabilityOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "full (default: $CHRONICLE_SYNCHRONOUS, else full): an ack survives power loss; normal: survives a crash of the process only."
    )
    var synchronous: EventLog.Durability?

    func durability(_ environment: [String: String]) throws -> EventLog.Durability {
        if let synchronous { return synchronous }
        guard let value = environment["CHRONICLE_SYNCHRONOUS"] else { return .full }
        guard let d = EventLog.Durability(rawValue: value.lowercased()) else {
            throw ValidationError("CHRONICLE_SYNCHRONOUS='\(value)' is not full or normal")
        }
        return d
    }
}

extension EventLog.Durability: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
