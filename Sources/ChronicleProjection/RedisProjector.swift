public import ChronicleApp
public import ChronicleCore
public import ChronicleRedis
public import ChronicleStore
internal import ChronicleViews
public import Logging

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// `chronicle project redis`: keeps the Redis keyspace under a prefix the view of the log as of
/// now (``RedisKeyspace``). Redis is a view, never the truth: everything in it is rebuilt from
/// the log, and appends never wait for it.
///
/// Exactly once: every batch's writes, its messages on `{prefix}chronicle:changes` and the
/// checkpoint (`{prefix}chronicle:checkpoint`: the log's identity, the view's version, the
/// last position applied and the valid time it is as of) go in one `MULTI`/`EXEC`. A batch is
/// there whole or not at all, so a projector killed at any moment, restarted, applies each
/// event's change once and publishes it once. A keyspace without a checkpoint (a new server, one
/// restarted empty) is loaded whole; one of another log, or of a newer version, is refused; one
/// of an older version is loaded whole again, the keys the new version has not removed.
///
/// With a checkpoint, the state as of its point is folded (from the newest usable snapshot)
/// and advanced to the log's head as of now: one batch writes each key the events since
/// touched, once.
public final class RedisProjector {
    public let state: ProjectorState
    public let url: RedisURL
    public let prefix: String
    let log: EventLog
    private let identity: String
    private let logger: Logger
    private var connection: RedisConnection?
    private var contexts = ContextIndex()
    /// One writer per keyspace: taken before writing, refreshed with the heartbeat, watched by
    /// every batch.
    private let lock: RedisLock
    /// Told one line (no newline) for each thing a person running it should know.
    public var report: (String) -> Void = { _ in }
    /// Commands per `MULTI`/`EXEC` of a whole load (a load is made whole again by the next run
    /// if it is cut short: its checkpoint is written last).
    public var loadChunk = 20_000

    /// - Throws: `ValidationError`-like ``RedisProjectionError/prefix(_:)`` for a prefix that
    ///   would lie inside another prefix's view (``RedisKeyspace/problem(ofPrefix:)``).
    public init(log: EventLog, url: RedisURL, prefix: String, clock: any RecordingClock, logger: Logger) throws {
        if let problem = RedisKeyspace.problem(ofPrefix: prefix) { throw RedisProjectionError.prefix(problem) }
        self.log = log
        self.url = url
        self.prefix = prefix
        self.logger = logger
        identity = try log.identity()
        state = ProjectorState(kinds: RedisKeyspace.kinds, log: log, clock: clock)
        lock = RedisLock(prefix: prefix)
    }

    /// Gives the keyspace's lock up (when this projector took it) and closes the connection.
    public func close() {
        if let connection, connection.isOpen { lock.release(connection) }
        connection?.close()
        connection = nil
    }

    /// Takes the keyspace's lock, or refreshes it.
    /// - Throws: ``ProjectionError/lockedKeyspace(path:holder:expiresInMilliseconds:)`` when
    ///   another projector writes the keyspace.
    func takeLock() throws { try lock.take(try connected(), path: "\(url) prefix '\(prefix)'") }

    /// The last position applied to the keyspace.
    public var position: Int64 { state.position }

    private var checkpointKey: String { prefix + RedisKeyspace.checkpointKey }
    private var channel: String { prefix + RedisKeyspace.changesChannel }

    /// The connection, made when there is none.
    func connected() throws -> RedisConnection {
        if let connection, connection.isOpen { return connection }
        // A server that stops answering is taken for down after 10 s: a stop is not held up
        // for longer (a batch's or a load chunk's reply comes in milliseconds).
        let made = try RedisConnection(url: url, replyTimeout: .seconds(10))
        connection = made
        return made
    }

    /// The status of the Redis view under `prefix` on the server at `url`, for `chronicle status`:
    /// its checkpoint and heartbeat judged against the log (`identity`, `head`), or unreachable.
    public static func status(url: RedisURL, prefix: String, identity: String, head: Int64, now: Timestamp) -> ViewStatus {
        let path = "\(url) prefix '\(prefix)'"
        let replies: [RedisReply]
        do {
            let connection = try RedisConnection(url: url, connectTimeout: .seconds(2), replyTimeout: .seconds(5))
            defer { connection.close() }
            replies = try connection.send([
                ["HGETALL", prefix + RedisKeyspace.checkpointKey], ["HGETALL", prefix + "chronicle:heartbeat"],
            ])
        } catch {
            return ViewStatus(kind: "redis", path: path, found: .unreachable("\(error)"))
        }
        var stored: ViewCheckpoint?
        if let fields = replies[0].hashFields {
            guard let read = checkpoint(fields) else {
                return ViewStatus(kind: "redis", path: path, found: .refused("its checkpoint cannot be read"))
            }
            stored = read
        }
        let beat = replies[1].hashFields.flatMap { f -> Heartbeat? in
            guard let pid = f["pid"].flatMap(Int32.init), let state = f["state"].flatMap(Heartbeat.State.init(rawValue:)),
                let beatAt = f["beat_at"].flatMap(Timestamp.init(rfc3339:)), let seq = f["seq"].flatMap(Int64.init)
            else { return nil }
            return Heartbeat(pid: pid, state: state, beatAt: beatAt, seq: seq)
        }
        return ViewStatus.judge(
            kind: "redis", path: path, stored: stored, heartbeat: beat, identity: identity, head: head, version: RedisKeyspace.version,
            now: now)
    }

    /// The checkpoint a `chronicle:checkpoint` hash holds; nil when a field is missing or not
    /// what it should be.
    static func checkpoint(_ f: [String: String]) -> ViewCheckpoint? {
        guard let log = f["log"], let version = f["version"].flatMap(Int.init), let seq = f["seq"].flatMap(Int64.init),
            let validAt = f["valid_at"].flatMap(Timestamp.init(rfc3339:))
        else { return nil }
        return ViewCheckpoint(view: f["view"] ?? "redis", version: version, log: log, seq: seq, validAt: validAt)
    }

    /// What the keyspace's checkpoint says, checked: nil when there is none (a load is needed).
    /// Refused: another log's keyspace, or a newer version's.
    func storedCheckpoint() throws -> (seq: Int64, validAt: Timestamp, version: Int)? {
        guard let fields = try connected().send([["HGETALL", checkpointKey]])[0].hashFields else { return nil }
        guard let stored = Self.checkpoint(fields) else { throw ProjectionError.damagedKeyspaceCheckpoint(key: "\(url) \(checkpointKey)") }
        try stored.check(view: "redis", version: RedisKeyspace.version, log: identity, path: "\(url) prefix '\(prefix)'")
        return (stored.seq, stored.validAt, stored.version)
    }

    /// Brings the keyspace to the log's head as of now: from its checkpoint when it has one of
    /// this version; with none (a new server, one restarted empty), a whole load in place; with
    /// an older version's, a whole rebuild swapped in at once (``rebuild(stop:)``). False when
    /// `stop` came first.
    @discardableResult
    public func catchUp(stop: StopSignal? = nil) throws -> Bool {
        try takeLock()
        try removeSides()
        let tip = try log.read { tx in try tx.tail()?.seq } ?? 0
        guard let stored = try storedCheckpoint() else { return try load(stop: stop, swapping: false) }
        if stored.version == RedisKeyspace.version, stored.seq <= tip {
            guard let at = try state.fold(position: stored.seq, validAt: stored.validAt, stop: stop) else { return false }
            state.commit(at)
            contexts = ContextIndex(at.entities.compactMap(\.task))
            try step()
            return true
        }
        return try rebuild(stop: stop)
    }

    /// The whole view as of now built beside the live keys (under
    /// `chronicle-rebuild-PID:PREFIX`), then swapped in by one `MULTI`/`EXEC`: the live keys the
    /// view no longer has deleted, each built key renamed over its live one, the checkpoint
    /// written. Redis runs a transaction whole, so a reader sees the old keyspace or the new one,
    /// never a mix. A keyspace of another log or a newer version is refused first.
    @discardableResult
    public func rebuild(stop: StopSignal? = nil) throws -> Bool {
        try takeLock()
        _ = try storedCheckpoint()
        return try load(stop: stop, swapping: true)
    }

    /// The view as of a past point (`validAt`, `#position`), loaded whole under this prefix
    /// beside the live one (which another prefix holds), its checkpoint naming that point. A
    /// keyspace of another log or a newer version is refused.
    public func loadPast(position: Int64, validAt: Timestamp) throws {
        try takeLock()
        _ = try storedCheckpoint()
        _ = try load(stop: nil, swapping: false, at: (position, validAt))
    }

    /// Every key whose name starts with `prefix` (SCAN, which never blocks the server long).
    func keys(under prefix: String) throws -> [String] {
        let connection = try connected()
        var out: [String] = []
        var cursor = "0"
        repeat {
            let reply = try connection.send([["SCAN", cursor, "MATCH", Self.glob(prefix) + "*", "COUNT", "1000"]])[0]
            guard let parts = reply.array, parts.count == 2 else { break }
            cursor = parts[0].string ?? "0"
            for key in parts[1].array ?? [] { if let name = key.string, name.hasPrefix(prefix) { out.append(name) } }
        } while cursor != "0"
        return out
    }

    /// Where a rebuild of this prefix is built before it is swapped in.
    private var side: String { "chronicle-rebuild-\(getpid()):" + prefix }

    /// The whole keyspace as of now over what the prefix holds (keys the view no longer has
    /// are deleted), the checkpoint last: in place, in transactions of ``loadChunk`` commands
    /// (the checkpoint deleted in the first, so a load cut short leaves none and the next run
    /// loads whole again), or `swapping`: built beside and swapped in by one transaction.
    private func load(stop: StopSignal?, swapping: Bool, at point: (position: Int64, validAt: Timestamp)? = nil) throws -> Bool {
        let folded = try point.map { try state.fold(position: $0.position, validAt: $0.validAt, stop: stop) } ?? state.fold(stop: stop)
        guard let folded else { return false }
        let keys = try RedisKeyspace.keys(folded.entities)
        // The view's keys under the prefix that the view no longer has: only keys of the view's
        // families (another prefix's keys, the projector's own chronicle: keys and any other
        // key of the database are not the view's, even under the empty prefix).
        let stale = try self.keys(under: prefix).filter { name in
            let bare = name.dropFirst(prefix.count)
            return RedisKeyspace.isViewKey(bare) && keys[String(bare)] == nil
        }
        let checkpoint = checkpointCommand(seq: folded.position, validAt: folded.validAt)
        if swapping {
            try removeSides()
            try write(RESP.commands(loading: keys, prefix: side), stop: stop)
            if stop?.isRaised == true { return false }
            try transaction(stale.map { ["DEL", $0] } + keys.keys.sorted().map { ["RENAME", side + $0, prefix + $0] } + [checkpoint])
        } else {
            try write(
                [["DEL", checkpointKey]] + stale.map { ["DEL", $0] } + RESP.commands(loading: keys, prefix: prefix) + [checkpoint],
                stop: stop)
            if stop?.isRaised == true { return false }
        }
        state.commit(folded)
        contexts = ContextIndex(folded.entities.compactMap(\.task))
        report(
            "\(url) prefix '\(prefix)': \(swapping ? "rebuilt beside and swapped in" : "loaded whole"), \(keys.count) keys, up to #\(folded.position)"
        )
        return true
    }

    /// Removes the side keys a rebuild of this prefix left when it was killed before its swap
    /// (the lock is this projector's: no rebuild of the prefix runs).
    private func removeSides() throws {
        for name in try keys(under: "chronicle-rebuild-") {
            guard let rest = name.split(separator: ":", maxSplits: 1).dropFirst().first, rest.hasPrefix(prefix),
                RedisKeyspace.isViewKey(rest.dropFirst(prefix.count))
            else { continue }
            _ = try connected().send([["DEL", name]])
        }
    }

    /// `commands` in transactions of ``loadChunk``, until `stop` is raised.
    private func write(_ commands: [[String]], stop: StopSignal?) throws {
        var start = 0
        while start < commands.count, stop?.isRaised != true {
            let end = min(commands.count, start + loadChunk)
            try transaction(Array(commands[start..<end]))
            start = end
        }
    }

    /// Advances the state over what was committed since, and what fell due; writes the batch,
    /// its messages and the checkpoint in one transaction. True when it had something to do.
    @discardableResult
    public func step() throws -> Bool {
        switch try state.advance() {
        case .idle: return false
        case .refold:
            return try load(stop: nil, swapping: true)
        case .changes(let folded, let changes):
            try state.apply(folded, changes, contexts: &contexts) { contexts in
                let batch = try RedisDelta.batch(changes, contexts: &contexts, prefix: prefix)
                var commands = batch.commands
                for message in batch.messages { commands.append(["PUBLISH", channel, "[seq=\(folded.position)] \(message)"]) }
                commands.append(checkpointCommand(seq: folded.position, validAt: folded.validAt))
                try transaction(commands, from: position)
            }
            return true
        }
    }

    /// Steps whenever `wakeUp` says the log changed, and when the next scheduled valid time
    /// arrives, until `stop` is raised. Beats every second in `{prefix}chronicle:heartbeat`
    /// (pid, state, beat_at, seq). Redis down, restarted or refusing writes: appends go on; the projector tries
    /// again with capped exponential backoff and jitter (50 ms, doubling, at most 5 s), says so
    /// once when the server goes and once when it is back, and then catches up from the
    /// checkpoint it finds (none: a server restarted empty, loaded whole). `notYet`: the server
    /// could not be reached for the first catch-up; it is waited for in the same way.
    public func follow(wakeUp: (any LogWakeUp)?, stop: StopSignal, notYet: RedisError? = nil) throws {
        var pace = FollowPace()
        var beaten: Timestamp?
        // Since when, how many tries, and whether the server itself was away (not only the
        // keyspace changed under the projector).
        var down: (since: Timestamp, attempts: Int, server: Bool)?
        if let notYet {
            report("\(url) is not reachable yet (\(notYet)); appends go on, the keyspace catches up when it is there")
            down = (SystemClock.now(), 0, true)
        }
        var generator = SystemRandomNumberGenerator()
        while !stop.isRaised {
            var changed = false
            do {
                if down != nil {
                    try catchUp(stop: stop)
                    let took = (SystemClock.now().microseconds - down!.since.microseconds) / 1_000
                    report(
                        down!.server
                            ? "\(url): back after \(took) ms; caught up to #\(position)"
                            : "\(url) prefix '\(prefix)': caught up to #\(position) in \(took) ms")
                    down = nil
                    changed = true
                } else {
                    changed = try step()
                }
                let wall = SystemClock.now()
                if beaten.map({ wall.microseconds - $0.microseconds >= Heartbeat.intervalMilliseconds * 1_000 }) ?? true {
                    try beat("following", at: wall)
                    beaten = wall
                }
            } catch let error where error is RedisError || error is RedisProjectionError {
                // A server up but refusing the batch (out of memory, a read-only replica) is
                // waited for as one down: nothing of the batch was applied. A batch applied in
                // part, or a keyspace changed under the projector, is caught up with the same way.
                connection?.close()
                connection = nil
                if down == nil {
                    let what =
                        switch error {
                        case RedisProjectionError.refused:
                            "refuses the writes (\(error)); appends go on, the keyspace catches up when it is back"
                        case let error as RedisProjectionError: "prefix '\(prefix)': \(error)"
                        default: "is down (\(error)); appends go on, the keyspace catches up when it is back"
                        }
                    report("\(url) \(what)")
                    var server = true
                    if let error = error as? RedisProjectionError, case .changed = error { server = false }
                    if let error = error as? RedisProjectionError, case .partlyApplied = error { server = false }
                    down = (SystemClock.now(), 0, server)
                }
                down!.attempts += 1
                let backoff = min(5_000, 50 << min(down!.attempts - 1, 7))
                let jittered = Int32(backoff / 2 + Int.random(in: 0...(backoff / 2), using: &generator))
                _ = stop.wait(readable: -1, timeoutMilliseconds: jittered)
                continue
            }
            var timeout = Heartbeat.intervalMilliseconds
            if let due = state.nextDue {
                let untilDue = (due.microseconds - (try state.now()).microseconds) / 1_000 + 1
                timeout = max(1, min(timeout, untilDue))
            }
            pace.wait(foundNew: changed, wakeUp: wakeUp, stop: stop, timeoutMilliseconds: Int32(timeout))
        }
        if down == nil { try? beat("stopped", at: SystemClock.now()) }
    }

    /// Beats; following, refreshes the lock too, and checks that the checkpoint is where this
    /// projector left it (a keyspace flushed or changed by hand is caught up with within a
    /// beat, even when no event comes).
    private func beat(_ stateName: String, at wall: Timestamp) throws {
        let following = stateName != "stopped"
        if following { try takeLock() }
        let heartbeat = [
            "HSET", prefix + "chronicle:heartbeat", "pid", String(getpid()), "state", stateName, "beat_at", wall.rfc3339, "seq",
            String(position),
        ]
        let replies = try connected().send([heartbeat, ["HGET", checkpointKey, "seq"]])
        if replies[0].errorMessage != nil {
            // Not a hash (set by hand): made one again.
            _ = try connected().send([["DEL", prefix + "chronicle:heartbeat"], heartbeat])
        }
        if following, replies[1].string != String(position) {
            throw RedisProjectionError.changed("its checkpoint says \(replies[1].string.map { "#\($0)" } ?? "nothing"), not #\(position)")
        }
    }

    func checkpointCommand(seq: Int64, validAt: Timestamp) -> [String] {
        guard case .hash(let fields) = RedisKeyspace.checkpoint(log: identity, seq: seq, validAt: validAt) else { return [] }
        return ["HSET", checkpointKey] + fields.flatMap { [$0.field, $0.value] }
    }

    /// `commands` in one `MULTI`/`EXEC`, pipelined, the keyspace's lock `WATCH`ed; throws when
    /// the transaction was not applied whole (a command refused when queued, `EXEC` aborted).
    /// - Throws: ``ProjectionError/lockedKeyspace(path:holder:expiresInMilliseconds:)`` when
    ///   another projector took the lock meanwhile (nothing of the batch is applied).
    ///
    /// `from`: the position the batch goes on from. The keyspace's checkpoint must still say it
    /// (and the lock be this projector's), checked under `WATCH` before the batch is sent: a
    /// keyspace flushed, or its checkpoint deleted or moved by hand, between two batches is
    /// caught up again from what it says, not written over as if nothing happened.
    func transaction(_ commands: [[String]], from position: Int64? = nil) throws {
        let connection = try connected()
        // The lock taken or refreshed and watched, with the checkpoint's check, in one round
        // trip: a projector that lost its lock (another took it while this one folded or stood
        // still for longer than the lock lasts) writes nothing.
        var first = [lock.takeCommand, ["WATCH", lock.key, checkpointKey]]
        if position != nil { first += [["HGET", checkpointKey, "seq"], ["HGET", checkpointKey, "log"]] }
        let found = try connection.send(first)
        guard found[0] == .integer(1) else {
            _ = try connection.send([["UNWATCH"]])
            try takeLock()  // throws when another projector holds it; takes it over from one gone
            return try transaction(commands, from: position)
        }
        if let position, found[2].string != String(position) || found[3].string != identity {
            _ = try connection.send([["UNWATCH"]])
            throw RedisProjectionError.changed("its checkpoint says \(found[2].string.map { "#\($0)" } ?? "nothing"), not #\(position)")
        }
        let replies = try connection.send([["MULTI"]] + commands + [["EXEC"]])
        if let refused = replies.dropLast().first(where: { $0.errorMessage != nil }) {
            throw RedisProjectionError.refused(refused.errorMessage ?? "")
        }
        if replies.last == .null {
            // The lock changed since WATCH: another projector took it (this throws), or it expired.
            try takeLock()
            throw RedisProjectionError.refused("the batch was not applied: the keyspace's lock changed while it was sent")
        }
        guard case .array(let results) = replies.last else { throw RedisProjectionError.refused("EXEC did not run the transaction") }
        if let failed = results.first(where: { $0.errorMessage != nil }) {
            // Redis ran the rest of the transaction: the keyspace is loaded whole again.
            _ = try? connection.send([["DEL", checkpointKey]])
            throw RedisProjectionError.partlyApplied(failed.errorMessage ?? "")
        }
    }

    /// `text` with the glob characters of `SCAN … MATCH` escaped.
    static func glob(_ text: String) -> String {
        var out = ""
        for c in text {
            if "*?[]\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

/// What the Redis server did not take, or what the projector found changed under it.
public enum RedisProjectionError: Error, CustomStringConvertible, ExitingError {
    /// Refused as a whole (a command refused when queued, `EXEC` aborted): tried again.
    case refused(String)
    /// A command failed while `EXEC` ran the others (a key of the wrong type set by hand):
    /// the checkpoint is deleted, and the keyspace loaded whole again.
    case partlyApplied(String)
    /// The keyspace's checkpoint is not where the projector left it (flushed, deleted or
    /// moved by hand): it is caught up again from what it says.
    case changed(String)
    /// The prefix cannot hold a view.
    case prefix(String)

    public var exitStatus: Int32 {
        switch self {
        case .prefix: ExitStatus.badArguments
        default: ExitStatus.failed
        }
    }

    public var description: String {
        switch self {
        case .refused(let message): "the Redis server refused the batch: \(message); nothing of it was applied, and it is tried again"
        case .partlyApplied(let message):
            "the Redis server refused part of the batch (\(message)) and applied the rest; the keyspace is loaded whole again"
        case .changed(let reason): "the keyspace changed under the projector (\(reason)); it is caught up again from its checkpoint"
        case .prefix(let problem): problem
        }
    }
}
