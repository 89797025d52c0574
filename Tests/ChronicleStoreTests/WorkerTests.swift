import Foundation
import Testing

@testable import ChronicleStore

@Suite struct WorkerTests {
    private struct Jobs {
        var queued: [Int] = []
        var results: [(job: Int, run: Int)] = []
        var stopped = false
        var ended = false
    }

    /// Jobs handed over from several threads run one at a time, each with the thread's own
    /// value, and their outcomes come back in the order they were taken; after the stop the
    /// queued jobs are still run, then the thread ends.
    @Test func aWorkerRunsEveryJobInOrderThenEnds() async {
        let shared = Guarded(Jobs())
        Worker.start(
            name: "test.worker", on: shared, local: { 0 },
            take: { (s: inout Jobs) -> Worker.Step<Int>? in
                if s.queued.isEmpty {
                    guard s.stopped else { return nil }
                    s.ended = true
                    return .end
                }
                return .run(s.queued.removeFirst())
            },
            run: { (runs: inout Int, job: Int) -> (job: Int, run: Int) in
                runs += 1
                return (job, runs)
            },
            done: { (s: inout Jobs, outcome: (job: Int, run: Int)) in s.results.append(outcome) })
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<4 {
                group.addTask {
                    for k in 0..<250 { shared.update { $0.queued.append(sender * 250 + k) } }
                }
            }
        }
        shared.update { $0.stopped = true }
        let results = shared.waitUntil({ $0.ended }) { $0.results }
        #expect(results.count == 1_000)
        // The thread's own count went up by one per job, in the order the jobs were taken.
        #expect(results.map(\.run) == Array(1...1_000))
        #expect(Set(results.map(\.job)) == Set(0..<1_000))
        // Each sender's jobs kept their order.
        for sender in 0..<4 {
            let own = results.map(\.job).filter { $0 / 250 == sender }
            #expect(own == Array(sender * 250..<(sender + 1) * 250))
        }
    }

    /// A step that waits for room (a bounded queue) is woken when a taker makes room, and a
    /// waiter blocked on quietly updated state is woken by an explicit wake (on threads of
    /// their own: a blocked waiter must not hold a thread of the test runner's pool).
    @Test func waitersAreWokenByWhatTheyWaitFor() {
        let shared = Guarded((items: [Int](), flag: false, waiting: false))
        let produced = DispatchSemaphore(value: 0)
        Thread {
            for k in 0..<100 {
                shared.wait { s -> Void? in
                    guard s.items.count < 2 else { return nil }
                    s.items.append(k)
                    return ()
                }
            }
            produced.signal()
        }.start()
        var taken: [Int] = []
        while taken.count < 100 {
            taken.append(shared.wait { s -> Int? in s.items.isEmpty ? nil : s.items.removeFirst() })
        }
        #expect(produced.wait(timeout: .now() + 10) == .success)
        #expect(taken == Array(0..<100))

        let woken = DispatchSemaphore(value: 0)
        Thread {
            shared.updateQuietly { $0.waiting = true }
            shared.waitUntil { $0.flag }
            woken.signal()
        }.start()
        // Once the waiter is about to wait, give it time to block, then set the flag quietly:
        // only the wake can end its wait.
        while !shared.read({ $0.waiting }) { usleep(1_000) }
        usleep(50_000)
        shared.updateQuietly { $0.flag = true }
        #expect(woken.wait(timeout: .now() + 0.5) == .timedOut)
        shared.wake()
        #expect(woken.wait(timeout: .now() + 10) == .success)
    }
}
