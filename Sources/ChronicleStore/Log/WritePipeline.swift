internal import ChronicleCore
internal import Foundation
internal import GRDBSQLite

/// A second thread that executes a transaction's writes in order while the appender goes on
/// deciding the next commands: on two cores, SQLite's insert work and the decisions overlap.
///
/// The connection is never used by both threads at once: the appender hands writes over and
/// only reads (or commits) after ``drain()``, which waits until the writer is idle. A write
/// that fails stops the writer; ``drain()`` throws its error and the transaction is rolled back.
final class WritePipeline: @unchecked Sendable {  // every mutable field is read and written under condition
    enum Operation {
        case event(PendingEvent)
    }

    private let condition = NSCondition()
    private var queued: [Operation] = []
    private var busy = false
    private var failure: (any Error)?
    private var local: [Operation] = []
    private let handles: [HotStatements.Kind: OpaquePointer]
    private let encoder: EventEncoder
    /// Operations gathered before they are handed over (fewer lock round trips).
    private let handOffSize = 1_024

    /// `hot` must have every statement prepared (``LogTransaction/startPipelining(_:)`` does it).
    init(hot: HotStatements, encoder: EventEncoder) {
        self.encoder = encoder
        var handles: [HotStatements.Kind: OpaquePointer] = [:]
        for kind in HotStatements.Kind.allCases { handles[kind] = hot.prepared(kind) }
        self.handles = handles
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "chronicle.writer"
        thread.start()
    }

    func enqueue(_ op: Operation) {
        local.append(op)
        if local.count >= handOffSize { handOff() }
    }

    private func handOff() {
        guard !local.isEmpty else { return }
        condition.lock()
        queued.append(contentsOf: local)
        condition.signal()
        condition.unlock()
        local.removeAll(keepingCapacity: true)
    }

    /// Waits until every operation handed over is executed; throws the first failure, again
    /// on every call, until ``reset()``: once a write failed, the transaction must be rolled back.
    func drain() throws {
        handOff()
        condition.lock()
        while !queued.isEmpty || busy { condition.wait() }
        let error = failure
        condition.unlock()
        if let error { throw error }
    }

    /// Forgets a failure, for the next transaction (the failed one was rolled back).
    func reset() {
        condition.lock()
        failure = nil
        condition.unlock()
    }

    /// Ends the writing thread once it is idle.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private var stopped = false

    private func run() {
        var work: [Operation] = []
        while true {
            condition.lock()
            while queued.isEmpty && !stopped { condition.wait() }
            if queued.isEmpty && stopped {
                condition.unlock()
                return
            }
            swap(&work, &queued)
            busy = true
            let failed = failure != nil
            condition.unlock()
            var error: (any Error)?
            if !failed {
                for op in work {
                    do {
                        try execute(op)
                    } catch let e {
                        error = e
                        break
                    }
                }
            }
            work.removeAll(keepingCapacity: true)
            condition.lock()
            if let error, failure == nil { failure = error }
            busy = false
            condition.broadcast()
            condition.unlock()
        }
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
