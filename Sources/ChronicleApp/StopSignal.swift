internal import Foundation
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// SIGINT or SIGTERM, taken as a request to stop: a long-running command stops reading new
/// input, finishes what it has read, flushes its output, and returns. A handler installed by
/// `sigaction` before `init` returns (a dispatch signal source is registered later, on another
/// thread, and a signal in between was lost) does only what a handler may: it notes the
/// signal in an atomic and writes one byte to the pipe, which makes ``fd`` readable, so that a
/// thread waiting in `poll` for input or for the log wakes up.
///
/// A second signal after the first ends the process at once, with the usual status (130 for
/// SIGINT, 143 for SIGTERM): a stop that hangs can still be interrupted.
public final class StopSignal: @unchecked Sendable {  // raised is read and written under lock; the pipe and sources are set in init
    private let lock = NSLock()
    private var raised: Int32 = 0
    private let pipe: (read: Int32, write: Int32)
    private let takesSignals: Bool

    /// Takes over SIGINT and SIGTERM for the rest of the process; nil (signals left as they
    /// are) when no pipe can be made (no file descriptor left): a stop that could not wake a
    /// blocked read would leave only a second signal to end the process.
    /// With `takingSignals` false, only ``request(_:)`` raises it (a service group that handles
    /// the signals itself asks for the stop).
    public init?(takingSignals: Bool = true) {
        var fds: [Int32] = [-1, -1]
        guard fds.withUnsafeMutableBufferPointer({ Foundation.pipe($0.baseAddress!) }) == 0 else { return nil }
        pipe = (fds[0], fds[1])
        takesSignals = takingSignals
        guard takingSignals else { return }
        stopSignalRaised.store(0, ordering: .sequentiallyConsistent)
        stopSignalPipe.store(pipe.write, ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = stopSignalHandler
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for s in [SIGINT, SIGTERM] { sigaction(s, &action, nil) }
    }

    deinit {
        if takesSignals { _ = stopSignalPipe.compareExchange(expected: pipe.write, desired: -1, ordering: .sequentiallyConsistent) }
        close(pipe.read)
        close(pipe.write)
    }

    /// The signal that asked to stop, if one did.
    public var signalNumber: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if raised == 0, takesSignals, stopSignalPipe.load(ordering: .sequentiallyConsistent) == pipe.write {
            raised = stopSignalRaised.load(ordering: .sequentiallyConsistent)
        }
        return raised == 0 ? nil : raised
    }

    public var isRaised: Bool { signalNumber != nil }

    /// Readable once a stop was asked for (for `poll`; never read from).
    public var fd: Int32 { pipe.read }

    /// The name of the signal that asked to stop, for messages.
    public var signalName: String { signalNumber == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// Asks for a stop as `signal` would (15, SIGTERM, by default; once: a second request does
    /// nothing).
    public func request(_ signal: Int32 = 15) {
        lock.lock()
        let first = raised == 0
        if first { raised = signal }
        lock.unlock()
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(pipe.write, &byte, 1)
    }

    /// Waits until `fd` is readable or a stop is asked for; true when `fd` is (false also on
    /// `timeoutMilliseconds`, -1 for none).
    public func wait(readable fd: Int32, timeoutMilliseconds: Int32 = -1) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: pipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, 2, timeoutMilliseconds)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            if fds[1].revents != 0 { return false }
            return fds[0].revents != 0
        }
    }
}

/// The signal the handler took first (0: none yet), and the pipe it wakes (-1: none): what the
/// one ``StopSignal`` taking signals shares with its handler.
private let stopSignalRaised = Atomic<Int32>(0)
private let stopSignalPipe = Atomic<Int32>(-1)

/// Async-signal-safe: an atomic exchange, one `write`, or `_exit` for a second signal (a stop
/// that hangs can still be interrupted, with the usual status: 130 for SIGINT, 143 for SIGTERM).
private func stopSignalHandler(_ s: Int32) {
    let (first, _) = stopSignalRaised.compareExchange(expected: 0, desired: s, ordering: .sequentiallyConsistent)
    guard first else { _exit(128 + s) }
    var byte = UInt8(truncatingIfNeeded: s)
    _ = write(stopSignalPipe.load(ordering: .sequentiallyConsistent), &byte, 1)
}
