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
public final class AckOutput: @unchecked Sendable {  // `buffer` is the committing thread's (``writeNow(_:_:)``); the rest is in `state`
    private typealias Group = (lines: [[Appender.Line]], acks: [Ack])

    private struct State {
        var queued: [Group] = []
        var busy = false
        var failed = false
        var stopped = false
        var started = false
    }

    private let format: AppendSession.AckFormat
    private let fd: Int32
    private let state = Guarded(State())
    private var buffer: [UInt8] = []

    init(format: AppendSession.AckFormat, fd: Int32) {
        self.format = format
        self.fd = fd
    }

    /// False once a write failed (the reader of the output went away).
    var isOpen: Bool { state.read { !$0.failed } }

    /// Queues one group's acks, one per line of `lines` from the first, for the writing thread
    /// (started with the first group). Waits while a group is still queued: a slow reader of
    /// the acks slows the appender down (one group's acks being written, one waiting), and
    /// memory stays bounded.
    func submit(_ lines: [[Appender.Line]], _ acks: [Ack]) {
        let first = state.wait { s -> Bool? in
            guard s.queued.isEmpty || s.failed else { return nil }
            s.queued.append((lines, acks))
            defer { s.started = true }
            return !s.started
        }
        if first { startWriting() }
    }

    private func startWriting() {
        let (format, fd) = (format, fd)
        Worker.start(
            name: "chronicle.acks", on: state, local: { [UInt8]() },
            take: { (s: inout State) -> Worker.Step<Group>? in
                if s.queued.isEmpty { return s.stopped ? .end : nil }
                if s.failed {
                    s.queued.removeAll()
                    return .end
                }
                s.busy = true
                // A submitter waiting for room may queue the next group while this one is written.
                return .run(s.queued.removeFirst())
            },
            run: { (out: inout [UInt8], group: Group) -> Bool in
                out.removeAll(keepingCapacity: true)
                Self.render(group.lines, group.acks, format, into: &out)
                return Self.writeAll(fd, out)
            },
            done: { (s: inout State, written: Bool) in
                s.busy = false
                if !written { s.failed = true }
            })
    }

    /// Writes one group's acks now, after every queued group's; false when the output is gone.
    func writeNow(_ lines: [[Appender.Line]], _ acks: [Ack]) -> Bool {
        guard flush() else { return false }
        buffer.removeAll(keepingCapacity: true)
        Self.render(lines, acks, format, into: &buffer)
        guard Self.writeAll(fd, buffer) else {
            state.update { $0.failed = true }
            return false
        }
        return true
    }

    /// Waits until every queued group is written; false when the output is gone.
    func flush() -> Bool {
        state.waitUntil { s in
            (s.queued.isEmpty && !s.busy) || s.failed
        } then: {
            !$0.failed
        }
    }

    /// Ends the writing thread (after a ``flush()`` when the queued acks matter).
    func stop() {
        state.update { $0.stopped = true }
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
