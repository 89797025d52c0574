import ChronicleProjection

/// The figures of `chronicle project yaml`: the follow lag, the edit lag, and the peak memory of a catch-up.
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

    /// The edit lag of `project yaml --follow` (a file saved → its command in the log) beside
    /// the same command written to `chronicle append`, both seen by one `chronicle tail --follow`.
    func editLag(dir: String, environment: [String: String]) throws -> String {
        typealias T = ResultTable
        let r = try EditLag.run(chronicle: chronicle, dir: dir, edits: editCount, environment: environment)
        let settle = Double(TreeWatcher.settleMicroseconds) / 1_000
        func three(_ samples: [Double]) -> String {
            let s = LatencySummary(samples)
            return "\(T.fixed(s.p50, 2)) / \(T.fixed(s.p99, 2)) / \(T.fixed(s.max, 2)) ms"
        }
        func ratios(_ a: [Double], _ b: [Double]) -> String {
            let (x, y) = (LatencySummary(a), LatencySummary(b))
            return "p50 \(T.ratio(x.p50, y.p50)), p99 \(T.ratio(x.p99, y.p99))"
        }
        let edited = r.edits.compactMap { $0.ms($0.logged) }
        let appended = r.appends.compactMap { $0.ms($0.logged) }
        let lessSettle = edited.map { $0 - settle }
        let toOpen = r.edits.compactMap { $0.ms($0.opened) }
        let openToLog = r.edits.compactMap { $0.ms($0.logged, from: $0.opened) }
        let inPlace = r.edits.filter(\.inPlace).compactMap { $0.ms($0.logged) }
        let renamed = r.edits.filter { !$0.inPlace }.compactMap { $0.ms($0.logged) }
        let n = r.edits.count
        var table = ResultTable()
        table.add(
            "an edit saved → its command's event read from the log, \(T.grouped(Double(n))) edits: p50 / p99 / max",
            chronicle: three(edited), baseline: "\(three(appended)) the same command written to chronicle append",
            ratio: ratios(edited, appended))
        table.add(
            "the same less the projector's \(T.fixed(settle, 0)) ms wait for the file to be quiet",
            chronicle: three(lessSettle), baseline: three(appended), ratio: ratios(lessSettle, appended))
        table.add(
            "an edit saved → the projector opens the file (the quiet period and the wake-up)", chronicle: three(toOpen),
            baseline: "\(T.fixed(settle, 2)) ms (TreeWatcher.settleMicroseconds)",
            ratio: "p50 " + T.ratio(LatencySummary(toOpen).p50, settle))
        table.add(
            "the projector opens the file → the command's event read (reading, deciding, appending)", chronicle: three(openToLog),
            baseline: three(appended), ratio: ratios(openToLog, appended))
        table.add(
            "an edit saved in place / renamed over the file → event read: p50 / p99",
            chronicle:
                "\(T.fixed(LatencySummary(inPlace).p50, 2)) / \(T.fixed(LatencySummary(inPlace).p99, 2)) ms; \(T.fixed(LatencySummary(renamed).p50, 2)) / \(T.fixed(LatencySummary(renamed).p99, 2)) ms"
        )
        table.add(
            "saved (written) → the file rewritten with the new revision",
            chronicle: three(r.edits.compactMap { $0.ms($0.rewritten) }),
            baseline: three(r.appends.compactMap { $0.ms($0.rewritten) }))
        table.add(
            "the baseline's appender: line written → ack read", chronicle: "—",
            baseline: three(r.appends.compactMap { $0.ms($0.acked) }))
        table.add(
            "edits taken (the projector's `edit taken` lines, warm-up included) / refused / not in the log within 5 s",
            chronicle: "\(r.taken) / \(r.refused.count) / \(n - edited.count) of \(n) (+\(EditLag.warmUp))",
            baseline: "\(appended.count) of \(r.appends.count) acked and read")
        var notes = [
            "- projector: `\(r.projectorCommandLine)`, following a log of \(T.grouped(Double(EditLag.keys))) memory keys; watcher: `\(r.tailCommandLine)` (one `ev:` line per event, read through a pipe); baseline appender: `\(r.appenderCommandLine)`, one JSON line at a time.",
            "- each pair, on one key after another (\(EditLag.warmUp) unmeasured pairs first): the edit, `memory/KEY.yaml` read, its `value:` line changed, its `revision:` kept, saved in place (open with O_TRUNC, write, close) for even pairs and as a hidden temporary file renamed over it for odd ones; then `{\"cmd\":\"memory.store\",\"command_id\":…,\"expected_rev\":…,\"key\":…,\"value\":…,\"type\":\"semantic\"}` written to the appender, the command the projector makes of the edit (its first command carries the stream's revision too). Each ends when the tail has printed the command's event (an edit's: the stream's event whose command id starts with `file-`) and the projector has renamed the file into place; the next starts \(EditLag.idleNanoseconds / 1_000_000) ms later, when the tail and the projector sleep in `poll` again (after a read that found something they look again every 0.2 ms for 10 ms, then every 10 ms for 200 ms, `FollowPace`, waiting on their wake-up meanwhile; a person's edit of a quiet tree finds them asleep).",
            "- times: from the save's return (after `close` or `rename`), or from just before the line is written, to the read of the command's `ev:` line from the tail, on one monotonic clock; the benchmark sleeps in `ppoll` on the tail's pipe, the appender's pipe and an inotify watch of `memory/` (`IN_OPEN`, `IN_CLOSE_NOWRITE`, `IN_MOVED_TO`), so both paths are seen by the same watcher and the ratio is the projector's share. The projector's open of the file is inotify's first `IN_OPEN` after the save. The projector reads a path once it has been quiet for \(T.fixed(settle, 0)) ms (`TreeWatcher.settleMicroseconds`, so that an editor's rename-and-write is not taken for a deletion): that wait is in the first row and taken out in the second. Per-pair times: `edit-lag.csv` in the work directory.",
        ]
        if !r.refused.isEmpty { notes.append("- refused: " + r.refused.prefix(3).map { "`\($0)`" }.joined(separator: "; ")) }
        if !r.otherLines.isEmpty {
            notes.append("- the projector also said: " + r.otherLines.prefix(3).map { "`\($0)`" }.joined(separator: "; "))
        }
        return """

            ## Reading edits back: `chronicle project yaml --follow`

            \(table.markdown)
            \(notes.joined(separator: "\n"))
            """
    }

    /// The peak RSS of a catch-up of a log beside that of a log with the same entities and half the events.
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
            - logs: written by `\(r.appendCommandLine)` (snapshots off, so the catch-up folds from the first event) from generated commands: every entity created (40% tasks, 40% memory keys, 20% workflows), then `su:`/`ms:` updates of random ones; the smaller log is the first half of the larger one's commands. A peak that follows entities, not events, is about the same on both (ratio near ×1); one that grows with events is near ×2. The log's connection keeps a SQLite page cache of up to 64 MiB (`cache_size = -65536`), which a log smaller than that fills only to its size: with both logs larger than that, the cache is the same on both.
            """
    }
}
