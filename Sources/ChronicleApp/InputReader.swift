public import ChronicleCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Reads newline-terminated lines from a file descriptor in large chunks, handing back every
/// complete line that is available now: a bulk pipe gives big batches, an interactive writer
/// gives one line at a time, with no timer in between.
///
/// Lines longer than ``maxLineBytes`` are not kept: they come back as ``Line/tooLarge(bytes:)``
/// once their end is reached, so a 10 MB line costs no more than 1 MB of memory.
public struct InputReader {
    public enum Line: Equatable {
        case text([UInt8])
        case tooLarge(bytes: Int)
    }

    /// The longest line accepted, newline excluded: 1 MiB.
    public static let maxLineBytes = 1 << 20

    let fd: Int32
    /// When set, reading stops (as at the end of input, an unfinished last line dropped) once a
    /// stop is asked for.
    var stop: StopSignal?
    let maxLineBytes: Int
    var buffer: [UInt8]
    var partial: [UInt8] = []
    var oversize: Int? = nil
    public private(set) var atEnd = false

    public init(fd: Int32 = 0, maxLineBytes: Int = InputReader.maxLineBytes, chunkSize: Int = 1 << 20) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Blocks until at least one read returns, then gives every complete line read so far
    /// (at most `limit`; the rest wait for the next call). Empty only at the end of input.
    public mutating func nextLines(limit: Int, into lines: inout [Line]) throws {
        lines.removeAll(keepingCapacity: true)
        while lines.isEmpty && !atEnd {
            if !pending.isEmpty {
                drainPending(limit: limit, into: &lines)
                if !lines.isEmpty { return }
            }
            if let stop, !stop.wait(readable: fd) {
                atEnd = true
                partial = []
                oversize = nil
                break
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError.read(errno: errno)
            }
            if n == 0 {
                atEnd = true
                if let size = oversize {
                    pending.append(.tooLarge(bytes: size))
                    oversize = nil
                } else if !partial.isEmpty {
                    pending.append(.text(partial))
                    partial = []
                }
            } else {
                split(buffer[0..<n])
            }
            drainPending(limit: limit, into: &lines)
        }
        if lines.isEmpty { drainPending(limit: limit, into: &lines) }
    }

    var pending: [Line] = []
    var pendingStart = 0

    private mutating func drainPending(limit: Int, into lines: inout [Line]) {
        let end = min(pending.count, pendingStart + limit)
        lines.append(contentsOf: pending[pendingStart..<end])
        pendingStart = end
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        }
    }

    private mutating func split(_ chunk: ArraySlice<UInt8>) {
        var start = chunk.startIndex
        while let nl = chunk[start...].firstIndex(of: 10) {
            let piece = chunk[start..<nl]
            if let size = oversize {
                pending.append(.tooLarge(bytes: size + piece.count))
                oversize = nil
            } else if partial.count + piece.count > maxLineBytes {
                pending.append(.tooLarge(bytes: partial.count + piece.count))
                partial.removeAll()
            } else if partial.isEmpty {
                pending.append(.text(Array(piece)))
            } else {
                partial.append(contentsOf: piece)
                pending.append(.text(partial))
                partial = []
            }
            start = nl + 1
        }
        let rest = chunk[start...]
        if rest.isEmpty { return }
        if let size = oversize {
            oversize = size + rest.count
        } else if partial.count + rest.count > maxLineBytes {
            oversize = partial.count + rest.count
            partial = []
        } else {
            partial.append(contentsOf: rest)
        }
    }
}

public enum InputError: ExitingError {
    case read(errno: Int32)
    public var exitStatus: Int32 { ExitStatus.failed }
    public var description: String {
        if case .read(let e) = self {
            return "cannot read standard input: \(String(cString: strerror(e)))\nEvery line acked before this message is committed."
        }
        return "cannot read standard input\nEvery line acked before this message is committed."
    }
}
