internal import ChronicleCore
public import ChronicleStore
internal import Foundation
public import Logging

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// `chronicle append`: reads commands from standard input, commits them in groups, and writes
/// one ack per line to standard output, in input order, only after the line's events are durable.
public struct AppendSession {
    public enum AckFormat: String, Sendable, CaseIterable {
        case coded
        case json
    }

    /// How a session ended; the CLI maps it to the exit status.
    public enum Outcome: Equatable, Sendable {
        /// Input read to the end (some lines may have had `er:` acks).
        case finished(lines: Int, errors: Int)
        /// `--strict` stopped at an error on this line.
        case stoppedAtError(line: Int)
        /// Standard output went away; nothing more can be acked.
        case outputClosed
    }

    public var format: AckFormat = .coded
    public var strict = false
    /// The most lines committed in one transaction. Large groups make bulk appends cheaper
    /// (each index page is written once for many rows); an interactive writer's lines are
    /// committed as they come, whatever the limit.
    public var batchLimit = 65_536
    /// The most lines read and parsed in one go (the reading thread's chunk).
    public var chunkLimit = 8_192
    public var inputFD: Int32 = 0
    public var outputFD: Int32 = 1

    public init() {}

    /// Runs until the end of input. Throws when the log cannot be written: every ack already
    /// printed stays true, and no ack is printed for the batch that failed.
    public func run(_ appender: Appender, logger: Logger) throws -> Outcome {
        let queue = LineQueue(capacity: max(2, batchLimit / chunkLimit))
        defer { queue.close() }
        let reader = Thread { [inputFD, chunkLimit] in
            var input = InputReader(fd: inputFD)
            var raw: [InputReader.Line] = []
            var lineNumber = 0
            do {
                while true {
                    try input.nextLines(limit: chunkLimit, into: &raw)
                    if raw.isEmpty { break }
                    var decoded: [Appender.Line] = []
                    decoded.reserveCapacity(raw.count)
                    for line in raw {
                        lineNumber += 1
                        if let d = LineDecoder.decode(line, number: lineNumber) { decoded.append(d) }
                    }
                    if decoded.isEmpty { continue }
                    if !queue.push(decoded, linesRead: lineNumber) { return }
                }
                queue.finish(nil)
            } catch {
                queue.finish(error)
            }
        }
        reader.name = "chronicle.reader"
        reader.start()
        var out: [UInt8] = []
        var errors = 0
        var linesRead = 0
        while true {
            let (chunks, read) = try queue.pop(limit: batchLimit)
            linesRead = read
            if chunks.isEmpty { break }
            let batch = chunks.joined()
            let acks = try appender.append(batch, stopAtFirstError: strict)
            out.removeAll(keepingCapacity: true)
            var lastLine = 0
            for (line, ack) in zip(batch, acks) {
                switch format {
                case .coded: out.append(contentsOf: ack.coded.utf8)
                case .json: out.append(contentsOf: ack.json(line: line.number).utf8)
                }
                out.append(10)
                if ack.isError { errors += 1 }
                lastLine = line.number
            }
            guard Self.writeAll(outputFD, out) else { return .outputClosed }
            if strict, acks.last?.isError == true {
                return .stoppedAtError(line: lastLine)
            }
        }
        logger.info("input ended", metadata: ["input.lines": "\(linesRead)", "input.errors": "\(errors)"])
        return .finished(lines: linesRead, errors: errors)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
