internal import ChronicleCore
internal import ChronicleStore
internal import Foundation

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Writes acks to an output descriptor in the order their groups were committed. A bulk group's
/// acks are formatted and written on a thread of its own while the next group is decided; a
/// small group's are written at once by the caller (no hand-off on an interactive writer's path).
public final class AckOutput: @unchecked Sendable {  // the mutable fields are read and written under condition
    private let format: AppendSession.AckFormat
    private let fd: Int32
    private let condition = NSCondition()
    private var queued: [(lines: [[Appender.Line]], acks: [Ack])] = []
    private var busy = false
    private var failed = false
    private var stopped = false
    private var started = false
    private var buffer: [UInt8] = []

    init(format: AppendSession.AckFormat, fd: Int32) {
        self.format = format
        self.fd = fd
    }

    /// False once a write failed (the reader of the output went away).
    var isOpen: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !failed
    }

    /// Queues one group's acks, one per line of `lines` from the first, for the writing thread.
    /// Waits while a group is still queued: a slow reader of the acks slows the appender down
    /// (one group's acks being written, one waiting), and memory stays bounded.
    func submit(_ lines: [[Appender.Line]], _ acks: [Ack]) {
        condition.lock()
        while !queued.isEmpty && !failed { condition.wait() }
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.name = "chronicle.acks"
            thread.start()
        }
        queued.append((lines, acks))
        condition.broadcast()
        condition.unlock()
    }

    /// Writes one group's acks now, after every queued group's; false when the output is gone.
    func writeNow(_ lines: [[Appender.Line]], _ acks: [Ack]) -> Bool {
        guard flush() else { return false }
        buffer.removeAll(keepingCapacity: true)
        Self.render(lines, acks, format, into: &buffer)
        guard Self.writeAll(fd, buffer) else {
            condition.lock()
            failed = true
            condition.unlock()
            return false
        }
        return true
    }

    /// Waits until every queued group is written; false when the output is gone.
    func flush() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while (!queued.isEmpty || busy) && !failed { condition.wait() }
        return !failed
    }

    /// Ends the writing thread (after a ``flush()`` when the queued acks matter).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        var out: [UInt8] = []
        while true {
            condition.lock()
            while queued.isEmpty && !stopped { condition.wait() }
            if queued.isEmpty || failed {
                queued.removeAll()
                condition.broadcast()
                condition.unlock()
                return
            }
            let (lines, acks) = queued.removeFirst()
            busy = true
            // A submitter waiting for room may queue the next group while this one is written.
            condition.broadcast()
            condition.unlock()
            out.removeAll(keepingCapacity: true)
            Self.render(lines, acks, format, into: &out)
            let ok = Self.writeAll(fd, out)
            condition.lock()
            busy = false
            if !ok { failed = true }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One line per ack: the ack of the i-th line of `lines` is `acks[i]`.
    static func render(_ lines: [[Appender.Line]], _ acks: [Ack], _ format: AppendSession.AckFormat, into out: inout [UInt8]) {
        var k = 0
        for chunk in lines {
            for i in chunk.indices {
                guard k < acks.count else { return }
                switch format {
                case .coded: acks[k].writeCoded(into: &out)
                case .json: out.append(contentsOf: acks[k].json(line: chunk[i].number).utf8)
                }
                out.append(10)
                k += 1
            }
        }
    }

    /// Writes all of `bytes` to `fd` (retrying short writes); false when the reader went away.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
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
