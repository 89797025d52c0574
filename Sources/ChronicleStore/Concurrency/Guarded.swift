internal import Foundation

/// State shared by threads, read and changed only under its lock; a change that a waiter may be
/// waiting for wakes every waiter. The one place the log's threads meet (the checkpointer, the
/// write pipeline, the snapshotter, the append session's line queue and ack writer).
///
/// Waking is explicit because it is not free: a thread woken for nothing costs a context switch,
/// and on an interactive writer's path that is once per ack.
public final class Guarded<State>: @unchecked Sendable {  // `state` is only touched while `condition` is held
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) { self.state = state }

    /// Changes the state and wakes every waiter.
    @discardableResult
    public func update<R>(_ change: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try change(&state)
    }

    /// Changes the state without waking anyone: for a change no waiter waits for.
    @discardableResult
    public func updateQuietly<R>(_ change: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try change(&state)
    }

    /// Wakes every waiter (after an ``updateQuietly(_:)`` that turned out to matter).
    public func wake() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Reads the state.
    public func read<R>(_ body: (State) throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body(state)
    }

    /// Waits until `done` holds (it is checked now and after every wake), then reads the state.
    public func waitUntil<R>(_ done: (State) -> Bool, then body: (State) throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        while !done(state) { condition.wait() }
        return try body(state)
    }

    /// Waits until `done` holds.
    public func waitUntil(_ done: (State) -> Bool) {
        waitUntil(done) { _ in () }
    }

    /// Waits until `step` returns a value (it is tried now and after every wake), then wakes
    /// every waiter: the step takes something or makes room, which another thread waits for.
    public func wait<R>(for step: (inout State) throws -> R?) rethrows -> R {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while true {
            if let result = try step(&state) { return result }
            condition.wait()
        }
    }
}
