import ChronicleCore
import ChronicleTesting
import Foundation
import GRDB
import Testing

@testable import ChronicleStore

/// An appender opened lazily (the newest event only; streams, id counters and context paths
/// read when first needed) decides exactly as one that folded the whole log at open.
@Suite struct LazyOpeningTests {
    /// One random history that leans on everything an open must restore: id counters (repeated
    /// titles, explicit ids in the generated form, split children), `ts:auto`, `su:` naming
    /// tasks and workflows by bare id, context paths and `cl:`, retractions, late and
    /// future-dated lines, command ids repeated (retries) and reused (conflicts).
    static func history(seed: UInt64, commands: Int) -> [String] {
        var rng = SeededRandom(state: seed)
        func pick<T>(_ xs: [T]) -> T { xs.randomElement(using: &rng)! }
        func n(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        let titles = ["Fix bug", "Fix bug", "Write docs", "Title \(seed)"]
        let paths = ["agents/dev/backend_tasks", "agents/dev/frontend_tasks"]
        var lines: [String] = []
        for i in 0..<commands {
            let hour = Int64(n(-30...30)) * 3_600_000_000
            let valid = n(0...3) == 0 ? "valid=\(TestLog.clockStart.advanced(by: hour).rfc3339)" : nil
            let id = n(0...4) == 0 ? "id=c\(n(0...15))" : nil
            let envelope = [id, valid].compactMap { $0 }
            let prefix = envelope.isEmpty ? "" : "[\(envelope.joined(separator: " "))] "
            let task = "\(Identifier.slug(pick(titles)))_00\(n(1...4))"
            switch n(0...15) {
            case 0, 1: lines.append(prefix + "tc:\(pick(titles))|feature|\(pick(["low", "high"]))")
            case 2:
                let cascade = n(0...1) == 0 ? #","context_cascade":"\#(pick(paths))""# : ""
                lines.append(
                    #"{"cmd":"task.create","id":"\#(task)","title":"Explicit","intent":"feature","complexity":"low"\#(cascade)}"#)
            case 3: lines.append(prefix + "ts:auto|0.4|too big")
            case 4:
                lines.append(
                    #"{"cmd":"task.split","id":"\#(task)","confidence":0.3,"into":[{"title":"\#(pick(titles))","intent":"feature","complexity":"low"},{"title":"\#(pick(titles))","intent":"feature","complexity":"low"}]}"#
                )
            case 5, 6: lines.append(prefix + "su:\(task)|\(pick(["in_progress", "blocked", "done", "pending"]))|0.\(n(1...9))")
            case 7:
                lines.append(#"{"cmd":"task.update","id":"\#(task)","set":{"context_cascade":"\#(pick(paths))"}}"#)
            case 8: lines.append("cl:\(pick(paths + [task, "k1", "deploy_002"]))|\(pick(["summary", "full"]))")
            case 9, 10: lines.append(prefix + "ms:k\(n(0...3))|v\(n(0...99))|semantic")
            case 11: lines.append(#"{"cmd":"memory.forget","key":"k\#(n(0...3))"}"#)
            case 12: lines.append(prefix + "wf:deploy|{n:\(n(0...9))}")
            case 13: lines.append(prefix + "su:deploy_00\(n(1...4))|\(pick(["running", "completed", "failed"]))|0.5")
            case 14:
                lines.append(#"{"cmd":"workflow.start","workflow":"deploy","id":"deploy_00\#(n(1...6))"}"#)
            default:
                if i > 2 { lines.append(#"{"cmd":"event.retract","seq":\#(n(1...i)),"reason":"r"}"#) }
            }
        }
        return lines
    }

    /// Appends `lines` in segments, each by a fresh appender (a new process), to two logs: one
    /// opened lazily each time, the other by folding everything. Snapshots are taken in the lazy
    /// one at random positions (they must change nothing). Every ack and every stored event
    /// (hash included) must be the same.
    @Test(arguments: 1...40)
    func aLazyOpenDecidesAsAFullFold(seed: Int) throws {
        let (lazyLog, _) = try TestLog.temporaryLog()
        let (fullLog, _) = try TestLog.temporaryLog()
        var rng = SeededRandom(state: UInt64(seed) &* 7_919)
        let lines = Self.history(seed: UInt64(seed), commands: 300)
        var at = 0
        while at < lines.count {
            // Mostly short inputs (interactive); now and then a bulk group (pipelined writes).
            let length =
                Int.random(in: 0..<6, using: &rng) == 0 ? Int.random(in: 64...90, using: &rng) : Int.random(in: 1...12, using: &rng)
            let segment = lines[at..<min(at + length, lines.count)].joined(separator: "\n")
            at += length
            let lazy = try TestLog.appender(lazyLog)
            let full = try Appender(
                log: fullLog, decider: Decider(), clock: TestLog.clock, logger: TestLog.silentLogger, opening: .byFoldingEverything)
            #expect(!lazy.live.isComplete || lazy.live.lastSeq == 0)
            let acks = try lazy.append(text: segment)
            #expect(acks == (try full.append(text: segment)), "segment ending at line \(at)")
            if Int.random(in: 0..<4, using: &rng) == 0 { try LogQuery(log: lazyLog).takeSnapshots() }
        }
        let lazyEvents = try lazyLog.read { try $0.exported(after: 0, limit: 10_000) }
        let fullEvents = try fullLog.read { try $0.exported(after: 0, limit: 10_000) }
        #expect(lazyEvents == fullEvents)
        #expect(try lazyLog.read { try $0.tail()?.hash } == fullLog.read { try $0.tail()?.hash })
        #expect(lazyEvents.count > 100)
    }

    /// Two appenders alive at once, taking turns on one log (each catching up with the other's
    /// events into streams it has loaded, knows to be absent, or has not loaded), the second
    /// opened lazily after the log has a history: the same acks and events as two appenders
    /// that folded the whole log when they opened, at the same moments.
    @Test(arguments: 1...15)
    func liveAppendersTakingTurnsDecideAsFullFolds(seed: Int) throws {
        let lines = Self.history(seed: UInt64(seed) &+ 900, commands: 260)
        var results: [(acks: [[String]], events: [ExportedEvent])] = []
        for opening in [LiveState.Opening.lazily, .byFoldingEverything] {
            let (log, _) = try TestLog.temporaryLog()
            func appender() throws -> Appender {
                try Appender(log: log, decider: Decider(), clock: TestLog.clock, logger: TestLog.silentLogger, opening: opening)
            }
            var rng = SeededRandom(state: UInt64(seed) &* 31)
            let first = try appender()
            var second: Appender?
            var acks: [[String]] = []
            var at = 0
            var turn = 0
            while at < lines.count {
                let length =
                    Int.random(in: 0..<5, using: &rng) == 0 ? Int.random(in: 64...80, using: &rng) : Int.random(in: 1...10, using: &rng)
                let segment = lines[at..<min(at + length, lines.count)].joined(separator: "\n")
                at += length
                if second == nil, at > 40 { second = try appender() }
                let current = turn % 2 == 1 ? (second ?? first) : first
                turn += 1
                acks.append(try current.append(text: segment))
            }
            results.append((acks, try log.read { try $0.exported(after: 0, limit: 10_000) }))
        }
        #expect(results[0].acks == results[1].acks)
        #expect(results[0].events == results[1].events)
        #expect(results[0].events.count > 100)
    }

    /// A log written before migration 003 gets its context paths from the events it holds.
    @Test func contextPathsAreFilledForAnOlderLog() throws {
        let (log, path) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(
            text: """
                {"cmd":"task.create","id":"a","title":"A","intent":"feature","complexity":"low","context_cascade":"agents/dev"}
                {"cmd":"task.create","id":"b","title":"B","intent":"feature","complexity":"low"}
                {"cmd":"task.update","id":"b","set":{"context_cascade":"agents/dev"}}
                {"cmd":"task.update","id":"a","set":{"context_cascade":"agents/ops"}}
                """)
        // Make it an older log: no table, migration 003 not recorded.
        try log.write { tx in
            try tx.db.execute(sql: "DROP TABLE context_paths; DROP INDEX events_creations")
            try tx.db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE '003_%'")
        }
        let reopened = try EventLog(path: path, logger: TestLog.silentLogger)
        let rows = try reopened.read { tx in
            try Row.fetchAll(tx.db, sql: "SELECT path, task FROM context_paths ORDER BY path, task").map {
                "\($0[0] as String) \($0[1] as String)"
            }
        }
        #expect(rows == ["agents/dev a", "agents/dev b", "agents/ops a"])
        #expect(try TestLog.appender(reopened).append(text: "cl:agents/dev|summary").first?.hasPrefix("cl:agents/dev|") == true)
        #expect(try TestLog.appender(reopened).append(text: "cl:agents/dev|full").first?.contains("b") == true)
    }

    /// The highest counter of a slug is read from the creations, whatever the id's length, and
    /// ids of other slugs that share its beginning do not count.
    @Test func aSlugsCounterIsReadFromTheLog() throws {
        let (log, _) = try TestLog.temporaryLog()
        _ = try TestLog.appender(log).append(
            text: """
                {"cmd":"task.create","id":"fix_bug_0099","title":"x","intent":"feature","complexity":"low"}
                {"cmd":"task.create","id":"fix_bug_12","title":"x","intent":"feature","complexity":"low"}
                {"cmd":"task.create","id":"fix_bug_x_500","title":"x","intent":"feature","complexity":"low"}
                {"cmd":"task.create","id":"fix_bug_1234567890","title":"x","intent":"feature","complexity":"low"}
                wf:fix_bug|{}
                """)
        let acks = try TestLog.appender(log).append(text: "tc:Fix bug|feature|low\nwf:fix_bug|{}")
        #expect(acks.map { $0.split(separator: "|").first! } == ["tr:fix_bug_100", "su:fix_bug_002"])
    }
}
