import ChronicleStore
import Foundation

/// Every figure of one benchmark run, and the markdown report made of them: the table
/// (| measure | chronicle | baseline | ratio | target |), then how each figure was obtained.
struct BenchReport {
    /// One interactive mode: chronicle's latencies and the raw per-row-commit baseline's (ms).
    typealias Latencies = (chronicle: InteractiveAppend.Result, baseline: [Double])

    var invocation: String
    var schema: String
    var batch: Int
    var workload: CommandMix.Summary
    var prefix: CommandMix.Summary
    var quarter: BulkAppend.Result
    var bulk: BulkAppend.Result
    var baseline: RawInsertBaseline.BulkResult
    var baselineFullSchema: RawInsertBaseline.BulkResult
    var interactiveLines: Int
    var interactiveFull: Latencies?
    var interactiveNormal: Latencies?

    var table: ResultTable {
        typealias T = ResultTable
        var table = ResultTable()
        let n = T.grouped(Double(bulk.commands))
        let rowsPerSecond = "\(T.grouped(baseline.rowsPerSecond)) rows/s"
        table.add(
            "bulk append, \(n) commands: commands/s", chronicle: "\(T.grouped(bulk.commandsPerSecond)) commands/s",
            baseline: rowsPerSecond, ratio: T.ratio(bulk.commandsPerSecond, baseline.rowsPerSecond),
            target: T.target("≥ 100,000 commands/s", met: bulk.commandsPerSecond >= 100_000))
        table.add(
            "bulk append, \(n) commands: events/s", chronicle: "\(T.grouped(bulk.eventsPerSecond)) events/s",
            baseline: rowsPerSecond, ratio: T.ratio(bulk.eventsPerSecond, baseline.rowsPerSecond))
        table.add(
            "bulk append vs raw INSERT with the full schema 001", chronicle: "\(T.grouped(bulk.eventsPerSecond)) events/s",
            baseline: "\(T.grouped(baselineFullSchema.rowsPerSecond)) rows/s",
            ratio: T.ratio(bulk.eventsPerSecond, baselineFullSchema.rowsPerSecond))
        let cpuPerCommand = bulk.cpuSeconds / Double(bulk.commands) * 1e6
        let cpuPerRow = baseline.cpuSeconds / Double(baseline.rows) * 1e6
        table.add(
            "bulk CPU time (user+sys) per command / per row", chronicle: "\(T.fixed(cpuPerCommand, 2)) µs",
            baseline: "\(T.fixed(cpuPerRow, 2)) µs", ratio: T.ratio(cpuPerCommand, cpuPerRow))
        table.add(
            "bulk append, \(T.grouped(Double(quarter.commands))) commands: commands/s",
            chronicle: "\(T.grouped(quarter.commandsPerSecond)) commands/s", baseline: rowsPerSecond,
            ratio: T.ratio(quarter.commandsPerSecond, baseline.rowsPerSecond))
        table.add(
            "peak RSS, \(T.grouped(Double(quarter.commands))) commands (\(T.grouped(Double(prefix.streams))) streams)",
            chronicle: T.mebibytes(quarter.peakRSSBytes))
        table.add(
            "peak RSS, \(n) commands (\(T.grouped(Double(workload.streams))) streams)", chronicle: T.mebibytes(bulk.peakRSSBytes),
            baseline: T.mebibytes(quarter.peakRSSBytes) + " (¼ run)",
            ratio: "×" + T.fixed(Double(bulk.peakRSSBytes) / Double(quarter.peakRSSBytes), 2), target: "grows with live state only")
        let added = Double(bulk.peakRSSBytes - quarter.peakRSSBytes)
        table.add(
            "peak RSS growth per added stream (per added command)",
            chronicle:
                "\(T.grouped(added / Double(max(1, workload.streams - prefix.streams)))) B (\(T.grouped(added / Double(max(1, bulk.commands - quarter.commands)))) B)"
        )
        for (mode, latencies) in [("FULL", interactiveFull), ("NORMAL", interactiveNormal)] {
            guard let latencies else { continue }
            let c = LatencySummary(latencies.chronicle.latencies), b = LatencySummary(latencies.baseline)
            let rows: [(String, Double, Double, String)] = [
                ("p50", c.p50, b.p50, "—"),
                ("p99", c.p99, b.p99, mode == "FULL" ? T.target("< 1 ms", met: c.p99 < 1) : "—"),
                ("max", c.max, b.max, "—"),
            ]
            for (name, chronicleMS, baselineMS, target) in rows {
                table.add(
                    "interactive ack latency, synchronous=\(mode), \(name) (\(c.count) lines)",
                    chronicle: "\(T.fixed(chronicleMS, 3)) ms", baseline: "\(T.fixed(baselineMS, 3)) ms",
                    ratio: T.ratio(chronicleMS, baselineMS), target: target)
            }
        }
        return table
    }

    /// A warning when chronicle's FULL acks are no slower than its NORMAL ones although a raw
    /// FULL commit (one `fdatasync`) clearly is: then its commits do not wait for the disk.
    var durabilityWarning: String? {
        guard let interactiveFull, let interactiveNormal else { return nil }
        let chronicleFull = LatencySummary(interactiveFull.chronicle.latencies).p50
        let chronicleNormal = LatencySummary(interactiveNormal.chronicle.latencies).p50
        let rawFull = LatencySummary(interactiveFull.baseline).p50, rawNormal = LatencySummary(interactiveNormal.baseline).p50
        let syncCost = rawFull - rawNormal
        guard syncCost > 0.05, rawFull > 2 * rawNormal, chronicleFull - chronicleNormal < syncCost / 2 else { return nil }
        typealias T = ResultTable
        return
            "a raw FULL commit takes \(T.fixed(syncCost, 3)) ms longer than a NORMAL one (p50 \(T.fixed(rawFull, 3)) vs \(T.fixed(rawNormal, 3)) ms), "
            + "but chronicle's default (FULL) acks take \(T.fixed(chronicleFull, 3)) ms against \(T.fixed(chronicleNormal, 3)) ms with --synchronous normal: "
            + "its commits do not seem to wait for fdatasync, so synchronous=FULL is probably not in effect on its connection."
    }

    var markdown: String {
        typealias T = ResultTable
        var out = ["## chronicle append benchmark", "", "Command: `\(invocation)`", "", table.markdown, ""]
        out.append("- ratio = chronicle ÷ baseline (throughput: below ×1 is slower than raw SQLite; latency and CPU: above ×1 is slower).")
        out.append(
            "- bulk baseline: the appender's own rows (read back from bulk.db) inserted with one prepared `sqlite3` INSERT, WAL, synchronous=FULL, \(T.grouped(Double(batch))) rows per `BEGIN IMMEDIATE … COMMIT` (the appender's `batchLimit`); \"\(RawInsertBaseline.Schema.eventsTable.rawValue)\" is the `CREATE TABLE events` of \(schema) alone, the full schema is every statement of the file (its other tables, indexes and triggers). Pragmas: the appender's own (`EventLog.tuningPragmas`: \(EventLog.tuningPragmas.joined(separator: "; "))) on both sides. Time excludes opening and reading."
        )
        out.append("- interactive baseline: one `BEGIN IMMEDIATE; INSERT; COMMIT` per row, same pragmas, in process (no pipe, no parsing).")
        out.append(
            "- workload: \(T.grouped(Double(workload.lines))) lines (\(T.grouped(Double(workload.bytes))) bytes), \(T.grouped(Double(workload.eventLines))) events, \(T.grouped(Double(workload.streams))) streams; "
                + CommandMix.Kind.allCases.map { "\($0.rawValue) \(T.grouped(Double(workload.counts[$0] ?? 0)))" }.joined(separator: ", ")
                + ".")
        out.append(
            "- every ack checked: \(T.grouped(Double(bulk.commands))) + \(T.grouped(Double(quarter.commands))) bulk acks and \(T.grouped(Double(2 * interactiveLines))) interactive acks, none `er:`; event counts equal the workload's."
        )
        out.append(
            "- bulk wall time \(T.fixed(bulk.seconds, 2)) s (¼ run \(T.fixed(quarter.seconds, 2)) s), CPU \(T.fixed(bulk.cpuSeconds, 2)) s; baselines \(T.fixed(baseline.seconds, 2)) s and \(T.fixed(baselineFullSchema.seconds, 2)) s (full schema), CPU \(T.fixed(baseline.cpuSeconds, 2)) s. SQLite \(RawDatabase.libraryVersion), \(ProcessInfo.processInfo.activeProcessorCount) cores."
        )
        if let warning = durabilityWarning {
            out.append("- **durability check failed**: " + warning)
        } else if interactiveFull != nil && interactiveNormal != nil {
            out.append(
                "- durability check passed: chronicle's FULL acks cost about what a raw FULL commit costs over a NORMAL one (or the disk syncs too fast to tell)."
            )
        }
        out.append("- chronicle runs:")
        out.append("  - `\(quarter.commandLine)`")
        out.append("  - `\(bulk.commandLine)`")
        for latencies in [interactiveFull, interactiveNormal] {
            if let run = latencies?.chronicle { out.append("  - `\(run.commandLine)` (lines written one at a time through a pipe)") }
        }
        return out.joined(separator: "\n")
    }
}
