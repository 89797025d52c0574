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
        /// A stop signal ended reading after this line: every line read was committed and acked.
        case stopped(afterLine: Int, signal: String)
    }

    public var format: AckFormat = .coded
    public var strict = false
    /// The most lines committed in one transaction. Large groups make bulk appends cheaper
    /// (each index page is written once for many rows); an interactive writer's lines are
    /// committed as they come, whatever the limit.
    public var batchLimit = 131_072
    /// The most lines read and parsed in one go (the reading thread's chunk).
    public var chunkLimit = 8_192
    public var inputFD: Int32 = 0
    public var outputFD: Int32 = 1
    /// When set, SIGINT or SIGTERM stops reading: the lines read so far are committed and acked.
    public var stop: StopSignal?

    public init() {}

    /// Runs until the end of input. Throws when the log cannot be written: every ack already
    /// printed stays true, and no ack is printed for the batch that failed.
    public func run(_ appender: Appender, logger: Logger) throws -> Outcome {
        let queue = LineQueue(capacity: max(2, batchLimit / chunkLimit))
        defer { queue.close() }
        let reader = Thread { [inputFD, chunkLimit, stop] in
            var input = InputReader(fd: inputFD)
            input.stop = stop
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
        let output = AckOutput(format: format, fd: outputFD)
        defer { output.stop() }
        var errors = 0
        var linesRead = 0
        while output.isOpen {
            let chunks: [[Appender.Line]]
            let acks: [Ack]
            do {
                (chunks, linesRead) = try queue.pop(limit: batchLimit)
                if chunks.isEmpty { break }
                acks = try appender.append(chunks: chunks, stopAtFirstError: strict)
            } catch {
                // The groups committed before the failure keep their acks.
                _ = output.flush()
                throw error
            }
            let count = chunks.reduce(0) { $0 + $1.count }
            errors += acks.reduce(0) { $0 + ($1.isError ? 1 : 0) }
            if strict, acks.last?.isError == true {
                guard output.writeNow(chunks, acks) else { return .outputClosed }
                return .stoppedAtError(line: Self.number(of: acks.count - 1, in: chunks))
            }
            // A bulk group's acks are written while the next group is decided; a small group's
            // (an interactive writer's line) at once.
            if count >= Self.backgroundOutputThreshold {
                output.submit(chunks, acks)
            } else {
                guard output.writeNow(chunks, acks) else { return .outputClosed }
            }
        }
        guard output.flush() else { return .outputClosed }
        if let stop, stop.isRaised { return .stopped(afterLine: linesRead, signal: stop.signalName) }
        logger.info("input ended", metadata: ["input.lines": "\(linesRead)", "input.errors": "\(errors)"])
        return .finished(lines: linesRead, errors: errors)
    }

    /// Groups of at least this many lines have their acks written by the output thread.
    static let backgroundOutputThreshold = 64

    /// The input line number of the `index`-th line of `chunks`.
    static func number(of index: Int, in chunks: [[Appender.Line]]) -> Int {
        var k = index
        for chunk in chunks {
            if k < chunk.count { return chunk[k].number }
            k -= chunk.count
        }
        return 0
    }
}
