internal import ChronicleCore
internal import Foundation
internal import GRDBSQLite

/// A second thread that executes a transaction's writes in order while the appender goes on
/// deciding the next commands: on two cores, SQLite's insert work and the decisions overlap.
///
/// The connection is never used by both threads at once: the appender hands writes over and
/// only reads (or commits) after ``drain()``, which waits until the writer is idle. A write
/// that fails stops the writer; ``drain()`` throws its error and the transaction is rolled back.
// Unchecked: `local` is the appender's thread's; the encoder and statements are the writer's,
// between a hand-off and the drain that waits for it.
final class WritePipeline: @unchecked Sendable {
    enum Operation {
        case event(PendingEvent)
    }

    private struct State {
        var queued: [Operation] = []
        var busy = false
        var failure: (any Error)?
        var stopped = false
    }

    private let state = Guarded(State())
    private var local: [Operation] = []
    private let handles: [HotStatements.Kind: OpaquePointer]
    private let encoder: EventEncoder
    /// Operations gathered before they are handed over (fewer lock round trips).
    private let handOffSize = 1_024

    /// `hot` must have every statement prepared (``LogTransaction/startPipelining(_:)`` does it).
    /// The writing thread runs until ``stop()``.
    init(hot: HotStatements, encoder: EventEncoder) {
        self.encoder = encoder
        var handles: [HotStatements.Kind: OpaquePointer] = [:]
        for kind in HotStatements.Kind.allCases { handles[kind] = hot.prepared(kind) }
        self.handles = handles
        Worker.start(
            name: "chronicle.writer", on: state,
            take: { (s: inout State) -> Worker.Step<(work: [Operation], skip: Bool)>? in
                if s.queued.isEmpty { return s.stopped ? .end : nil }
                let work = s.queued
                s.queued = []
                s.busy = true
                // After a failure the rest of the transaction is not written: it is rolled back.
                return .run((work, s.failure != nil))
            },
            run: { [self] (job: (work: [Operation], skip: Bool)) -> (any Error)? in
                if job.skip { return nil }
                do {
                    for op in job.work { try execute(op) }
                    return nil
                } catch {
                    return error
                }
            },
            done: { (s: inout State, error: (any Error)?) in
                if let error, s.failure == nil { s.failure = error }
                s.busy = false
            })
    }

    func enqueue(_ op: Operation) {
        local.append(op)
        if local.count >= handOffSize { handOff() }
    }

    private func handOff() {
        guard !local.isEmpty else { return }
        state.update { $0.queued.append(contentsOf: local) }
        local.removeAll(keepingCapacity: true)
    }

    /// Waits until every operation handed over is executed; throws the first failure, again
    /// on every call, until ``reset()``: once a write failed, the transaction must be rolled back.
    func drain() throws {
        handOff()
        let failure = state.waitUntil { s in
            s.queued.isEmpty && !s.busy
        } then: {
            $0.failure
        }
        if let failure { throw failure }
    }

    /// Forgets a failure, for the next transaction (the failed one was rolled back).
    func reset() {
        state.updateQuietly { $0.failure = nil }
    }

    /// Ends the writing thread once it is idle.
    func stop() {
        state.update { $0.stopped = true }
    }

    private func execute(_ op: Operation) throws {
        switch op {
        case .event(let e):
            try encoder.insert(e, with: handles[.insert]!)
            if let path = e.event.namedContextPath {
                try LogTransaction.recordContextPath(handles[.recordContextPath]!, path: path, task: e.stream.id)
            }
        }
    }
}
