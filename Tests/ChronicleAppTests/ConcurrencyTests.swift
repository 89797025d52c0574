import ChronicleStore
import ChronicleTesting
import Foundation
import GRDB
import Testing

/// Four `chronicle append` processes on one log at once: every acked command present exactly
/// once, `seq` gap-free, per-stream revisions consistent, generated ids unique.
@Suite struct ConcurrencyTests {
    @Test func fourAppendersShareOneLog() throws {
        let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
        let writers = 4, perWriter = 1_500
        let results = ResultBox(count: writers)
        let group = DispatchGroup()
        for p in 0..<writers {
            var input = ""
            for i in 0..<perWriter {
                switch i % 3 {
                case 0: input += "[id=p\(p)-\(i)] ms:shared|{writer:\(p),i:\(i)}|semantic\n"
                case 1: input += "[id=p\(p)-\(i)] ms:own_\(p)|v\(i)|semantic\n"
                default: input += "[id=p\(p)-\(i)] tc:Shared Title|feature|low\n"
                }
            }
            group.enter()
            let text = input
            Thread {
                results.set(p, Result { try ChronicleBinary.run(["append", "--db", db], input: text) })
                group.leave()
            }.start()
        }
        group.wait()
        var tasksCreated = 0
        for p in 0..<writers {
            let r = try results.get(p).get()
            #expect(r.status == 0, "writer \(p): \(r.stderr)")
            let acks = r.stdout.split(separator: "\n")
            #expect(acks.count == perWriter)
            #expect(acks.allSatisfy { !$0.hasPrefix("er:") }, "writer \(p) got an error ack")
            tasksCreated += acks.filter { $0.hasPrefix("tr:") }.count
        }
        #expect(try LogIntegrity.check(EventLog(path: db, logger: TestLog.silentLogger)) == [])
        // With a busy timeout: the connections of the log just checked may still be closing
        // (the last one to close checkpoints and removes the WAL, holding the file a moment).
        var config = Configuration()
        config.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: db, configuration: config)
        try queue.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE command_ack IS NOT NULL") == writers * perWriter)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events") == writers * perWriter)
            #expect(try Int.fetchOne(db, sql: "SELECT max(seq) FROM events") == writers * perWriter)
            let taskStreams = try Int.fetchOne(db, sql: "SELECT count(DISTINCT stream) FROM events WHERE stream LIKE 'task/shared_title_%'")
            #expect(taskStreams == tasksCreated)
            #expect(
                try Int.fetchOne(db, sql: "SELECT max(stream_rev) FROM events WHERE stream = 'memory/shared'") == writers * (perWriter / 3))
        }
    }
}

extension ConcurrencyTests {
    /// Several processes opening one new log at once all open it, and each migration is applied
    /// once: before the migrations were read and applied in one write transaction, and the open
    /// retried what SQLite reports at once ("database is locked" while another switches the new
    /// file to WAL), about one opener in a hundred failed ("table events already exists", or
    /// "database is locked"). 20 rounds of 6 openers.
    @Test func openersOfANewLogRaceSafely() throws {
        for round in 0..<20 {
            let db = try TestLog.temporaryDirectory().appendingPathComponent("log.db").path
            let writers = 6
            let results = ResultBox(count: writers)
            let group = DispatchGroup()
            for p in 0..<writers {
                group.enter()
                Thread {
                    results.set(p, Result { try ChronicleBinary.run(["append", "--db", db], input: "ms:k\(p)|v|semantic\n") })
                    group.leave()
                }.start()
            }
            group.wait()
            for p in 0..<writers {
                let r = try results.get(p).get()
                #expect(r.status == 0, "round \(round), opener \(p): \(r.stderr)")
            }
            let log = try EventLog(path: db, logger: TestLog.silentLogger)
            #expect(try LogIntegrity.check(log) == [])
            #expect(try log.events().count == writers)
        }
    }
}

final class ResultBox: @unchecked Sendable {
    private var items: [Result<ChronicleBinary.Result, any Error>?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<ChronicleBinary.Result, any Error>) { lock.withLock { items[i] = r } }
    func get(_ i: Int) -> Result<ChronicleBinary.Result, any Error> { lock.withLock { items[i]! } }
}
