public import ArgumentParser
import ChronicleApp
public import ChronicleCore
public import ChronicleStore
import Foundation
public import Logging

/// Options every subcommand that opens the log shares.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "The log file (default: $CHRONICLE_DB or ./chronicle.db).")
    var db: String?

    @Option(name: .long, help: "full (default): an ack survives power loss; normal: survives a crash of the process only.")
    var synchronous: EventLog.Durability?

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var path: String { db ?? environment["CHRONICLE_DB"] ?? "chronicle.db" }

    func durability() throws -> EventLog.Durability {
        if let synchronous { return synchronous }
        guard let value = environment["CHRONICLE_SYNCHRONOUS"] else { return .full }
        guard let d = EventLog.Durability(rawValue: value.lowercased()) else {
            throw ValidationError("CHRONICLE_SYNCHRONOUS='\(value)' is not full or normal")
        }
        return d
    }

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

    /// Opens the log or ends the process with status 3 and a message saying what to do.
    func open(logger: Logger) throws -> EventLog {
        do {
            return try EventLog(path: path, durability: try durability(), logger: logger)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("chronicle: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }

    /// Opens a log that must already exist (readers never create one), or ends the process
    /// with status 3.
    func openExisting(logger: Logger) throws -> EventLog {
        guard FileManager.default.fileExists(atPath: path) else {
            FileHandle.standardError.write(Data("chronicle: no log at \(path); give its path with --db or CHRONICLE_DB\n".utf8))
            throw ExitCode(3)
        }
        do {
            return try EventLog(path: path, durability: try durability(), forWriting: false, logger: logger)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("chronicle: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }
}

extension EventLog.Durability: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
