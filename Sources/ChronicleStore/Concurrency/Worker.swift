internal import Foundation

/// A thread that takes jobs from a ``Guarded`` state, one at a time, until told to end: the
/// loop each of the log's background threads runs.
///
/// `take` runs under the lock: it returns the next job (marking it taken), `.end` to end the
/// thread, or `nil` to wait for the next change. The job runs outside the lock, with the
/// thread's own `local` value (a buffer, the last result), made on the thread before the first
/// job. `done` records the outcome under the lock and wakes every waiter.
public enum Worker {
    public enum Step<Job> {
        case run(Job)
        case end
    }

    /// Starts the thread. It holds what the closures capture until `take` returns `.end`: an
    /// owner whose `deinit` calls for the end must not be captured (it would never go away).
    public static func start<State, Local, Job, Outcome>(
        name: String,
        on shared: Guarded<State>,
        local: @escaping @Sendable () -> Local,
        take: @escaping @Sendable (inout State) -> Step<Job>?,
        run: @escaping @Sendable (inout Local, Job) -> Outcome,
        done: @escaping @Sendable (inout State, Outcome) -> Void
    ) {
        let loop = Loop(.init(shared: shared, local: local, take: take, run: run, done: done))
        let thread = Thread { loop.run() }
        thread.name = name
        thread.start()
    }

    /// ``start(name:on:local:take:run:done:)`` for a job that needs nothing of the thread's own.
    public static func start<State, Job, Outcome>(
        name: String,
        on shared: Guarded<State>,
        take: @escaping @Sendable (inout State) -> Step<Job>?,
        run: @escaping @Sendable (Job) -> Outcome,
        done: @escaping @Sendable (inout State, Outcome) -> Void
    ) {
        start(name: name, on: shared, local: {}, take: take, run: { (_: inout Void, job: Job) in run(job) }, done: done)
    }

    /// Runs `body` on a thread of its own and returns what it returns: blocking work (a loop
    /// that sleeps in `poll`) awaited without holding one of the few threads async tasks share.
    /// `body` is let go of on its thread before the thread ends (see ``Loop``).
    public static func perform<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let once = Once(body: body, continuation: continuation)
            let thread = Thread { once.run() }
            thread.name = name
            thread.start()
        }
    }

    /// One job for ``perform(name:_:)``, let go of before its thread function returns.
    private final class Once<T: Sendable>: @unchecked Sendable {  // used by its one thread after `perform` hands it over
        private var parts: (body: @Sendable () throws -> T, continuation: CheckedContinuation<T, any Error>)?

        init(body: @escaping @Sendable () throws -> T, continuation: CheckedContinuation<T, any Error>) {
            parts = (body, continuation)
        }

        func run() {
            guard let (body, continuation) = parts else { return }
            parts = nil
            continuation.resume(with: Result { try body() })
        }
    }

    /// The closures, held by a class: the thread's closure captures one reference.
    private final class Loop<State, Local, Job, Outcome>: @unchecked Sendable {  // used by its one thread after `start` hands it over
        struct Parts {
            let shared: Guarded<State>
            let local: @Sendable () -> Local
            let take: @Sendable (inout State) -> Step<Job>?
            let run: @Sendable (inout Local, Job) -> Outcome
            let done: @Sendable (inout State, Outcome) -> Void
        }

        private var parts: Parts?

        init(_ parts: Parts) { self.parts = parts }

        /// Runs the jobs, then lets go of the closures and all they captured before the thread
        /// function returns. Foundation releases a thread's closure only in the thread's
        /// teardown, where a deinit that schedules work (GRDB's `DatabaseQueue` does) corrupts
        /// the heap.
        func run() {
            guard let parts else { return }
            self.parts = nil
            var own = parts.local()
            while case .run(let next) = parts.shared.wait(for: parts.take) {
                let outcome = parts.run(&own, next)
                parts.shared.update { parts.done(&$0, outcome) }
            }
        }
    }
}
