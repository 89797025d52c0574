/// The figures of `chronicle project yaml`: the follow lag, and the peak memory of a catch-up.
extension ChronicleBench {
    /// The follow lag of `project yaml --follow` beside an in-bench inotify follower that writes one file.
    func followLag(dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        let r = try FollowLag.run(chronicle: chronicle, dir: dir, commands: followCommands, warmUp: warmUp, environment: environment)
        let lag = LatencySummary(r.chronicle.lags), floor = LatencySummary(r.floor.lags)
        let acks = LatencySummary(r.chronicle.ackLatencies), floorAcks = LatencySummary(r.floor.ackLatencies)
        func three(_ s: LatencySummary) -> String { "\(T.fixed(s.p50, 2)) / \(T.fixed(s.p99, 2)) / \(T.fixed(s.max, 2)) ms" }
        var table = ResultTable()
        table.add(
            "follow lag, ack read → file renamed into place with the new content, \(T.grouped(Double(r.commands))) commands: p50 / p99 / max",
            chronicle: three(lag), baseline: "\(three(floor)) inotify follower, one file", ratio: "p99 " + T.ratio(lag.p99, floor.p99),
            target: T.target("p99 < 20 ms", met: lag.p99 < 20))
        table.add(
            "the appender meanwhile: line written → ack read, p50 / p99 / max; commands/s",
            chronicle: "\(three(acks)); \(T.grouped(r.chronicle.rate))/s", baseline: "\(three(floorAcks)); \(T.grouped(r.floor.rate))/s")
        table.add(
            "files in place before their ack was read (counted 0 above)",
            chronicle: "\(r.chronicle.fileFirst) of \(r.chronicle.lags.count)", baseline: "\(r.floor.fileFirst) of \(r.floor.lags.count)")
        return """

            ## Following the log: `chronicle project yaml --follow`

            \(table.markdown)
            - projector: `\(r.projectorCommandLine)`, following a log of \(T.grouped(Double(FollowLag.entities))) entities (half tasks, half memory keys); appender: `\(r.appenderCommandLine)`, fed one line at a time (the next written after the ack, on a 1 ms grid: at most 1,000 commands/s), \(warmUp) unmeasured lines first; each line an `su:` on a task or an `ms:` on a key, in turns over all of them, so each changes one file.
            - lag: from reading the ack to reading inotify's `IN_MOVED_TO` for the command's file (on the tree's `tasks/` and `memory/`) and finding in it the command's `revision:` (or a later one). The benchmark sleeps in `ppoll` on the ack pipe and the inotify descriptor, so it takes no core from the appender and the projector (a loop reading the file would take one of the two). Per-line times: `follow-lag-chronicle.csv`, `follow-lag-floor.csv` in the work directory.
            - baseline: the same appender and measurement, on the same log, with a follower in the benchmark in place of the projector: an inotify watch on the log's directory (chronicle's mask); woken, it reads `max(seq)` every 0.2 ms until the head moves, then writes the head's seq to one file by a temporary file and a rename. The floor of wake-up, commit visibility and one file write; nothing decoded, folded or rendered.
            """
    }

    /// The peak RSS of a catch-up of a log beside that of a log with the same entities and a tenth of the events.
    func catchUp(dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        let r = try CatchUpMemory.run(
            chronicle: chronicle, dir: dir, events: catchUpEvents, entities: catchUpEntities, seed: seed, environment: environment)
        let (large, small) = (r.large, r.small)
        let ratio = Double(large.peakRSSBytes) / Double(small.peakRSSBytes)
        var table = ResultTable()
        table.add(
            "catch-up of an empty tree, \(T.grouped(Double(large.events))) events over \(T.grouped(Double(r.entities))) entities: peak RSS (log size)",
            chronicle: "\(T.mebibytes(large.peakRSSBytes)) (\(T.mebibytes(large.logBytes)))",
            baseline:
                "\(T.mebibytes(small.peakRSSBytes)) (\(T.mebibytes(small.logBytes))) same entities, \(T.grouped(Double(small.events))) events",
            ratio: T.ratio(Double(large.peakRSSBytes), Double(small.peakRSSBytes)),
            target: T.target("≤ ×1.25 (entities, not events)", met: ratio <= 1.25))
        table.add(
            "the same catch-ups: seconds (events/s)",
            chronicle: "\(T.fixed(large.seconds, 2)) s (\(T.grouped(large.eventsPerSecond))/s)",
            baseline: "\(T.fixed(small.seconds, 2)) s (\(T.grouped(small.eventsPerSecond))/s)",
            ratio: T.ratio(large.seconds, small.seconds))
        let extraEvents = Double(large.events - small.events), extraSeconds = large.seconds - small.seconds
        table.add(
            "folding alone: the extra events of the larger log over its extra seconds",
            chronicle: extraSeconds > 0 ? "\(T.grouped(extraEvents / extraSeconds)) events/s" : "n/a (no slower)")
        return """

            ## Catching up: `chronicle project yaml`

            \(table.markdown)
            - each: `\(large.commandLine)` into a directory that does not exist, a fresh process: opening the log, folding every event (no stored snapshot), writing \(T.grouped(Double(large.files))) files; wall time from spawn to exit, peak RSS (VmHWM).
            - logs: written by `\(r.appendCommandLine)` (snapshots off, so the catch-up folds from the first event) from generated commands: every entity created (40% tasks, 40% memory keys, 20% workflows), then `su:`/`ms:` updates of random ones; the smaller log is the first tenth of the larger one's commands. A peak that follows entities, not events, is about the same on both (ratio near ×1); one that grows with events is near ×10. The log's connection keeps a SQLite page cache of up to 64 MiB (`cache_size = -65536`), which a log smaller than that fills only to its size: part of a difference below that size is the cache, not the fold.
            """
    }
}
