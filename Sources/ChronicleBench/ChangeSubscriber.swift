import CHiredis
import ChronicleRedis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A client of the view as the frontend would be one: subscribed to `{prefix}chronicle:changes`,
/// it notes when each change's message arrives and then confirms the change with a read.
///
/// On a thread of its own it sleeps in `poll` on the subscribed connection (hiredis, since
/// `RedisConnection` reads one reply per command sent and a subscriber reads replies it never
/// asked for). Woken, it reads what the socket holds, stamps every message in it with the time
/// of that read, and then asks a second connection, pipelined, `HGET {key} revision` for each
/// message's task: a change counts as visible when that read returns its revision or a later
/// one (a message whose read is older is asked again on the next round).
///
/// A message, `[seq=N] su:{id}|…`, names the task and the last position of the batch that
/// changed it (all of a batch's messages carry the batch's position): it stands for the last
/// line on that task at or before `N` (line `i` of the workload is position `firstSeq + i`),
/// and for any earlier line on it not yet seen, whose change a batch coalesced into a later one.
///
/// - Complexity: one round trip per group of messages read together, not per message.
final class ChangeSubscriber: @unchecked Sendable {  // the arrays are the thread's until `wait` has seen it end
    /// When each line's message was read (`Stopwatch.now()`), 0 when none came.
    private(set) var messageAt: [UInt64]
    /// When each line's change was confirmed by a read, 0 when it never was.
    private(set) var confirmedAt: [UInt64]
    /// Messages whose position is not a line of the workload, or a second one for a position.
    private(set) var strayMessages = 0

    /// Lines seen through a later line's message (their change coalesced into it).
    private(set) var coalesced = 0

    private let firstSeq: Int64
    private let keys: [String]
    /// Each task's lines, in order, by the task's id.
    private let linesOfTask: [String: [Int]]
    private let revisions: [Int64]
    private let context: UnsafeMutablePointer<redisContext>
    private let reader: RedisConnection
    private let stopPipe: (read: Int32, write: Int32)
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    /// Subscribes (the subscription is in place when this returns) to `channel` on the server
    /// at `url`, for lines on the task `ids[i]`, whose hash is `keys[i]` and whose change gives it `revisions[i]`.
    init(url: RedisURL, channel: String, firstSeq: Int64, ids: [String], keys: [String], revisions: [Int64]) throws {
        guard case .tcp(let host, let port) = url.endpoint else {
            throw BenchError.ackMismatch(what: "subscriber", detail: "the server has no TCP endpoint")
        }
        (self.firstSeq, self.keys, self.revisions) = (firstSeq, keys, revisions)
        linesOfTask = Dictionary(grouping: ids.indices, by: { ids[$0] })
        messageAt = Array(repeating: 0, count: keys.count)
        confirmedAt = messageAt
        guard let made = redisConnectWithTimeout(host, Int32(port), chronicle_hiredis_timeval(5_000)), made.pointee.err == 0 else {
            throw BenchError.ackMismatch(what: "subscriber", detail: "could not connect to \(url)")
        }
        context = made
        reader = try RedisConnection(url: url)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw BenchError.system(call: "pipe", errno: errno) }
        stopPipe = (fds[0], fds[1])
        for command in [["AUTH", url.password ?? ""], ["SUBSCRIBE", channel]] {
            guard let reply = Self.command(context, command) else {
                throw BenchError.ackMismatch(what: "subscriber", detail: "\(command[0]) got no reply")
            }
            let type = reply.assumingMemoryBound(to: redisReply.self).pointee.type
            freeReplyObject(reply)
            guard type != REDIS_REPLY_ERROR else { throw BenchError.ackMismatch(what: "subscriber", detail: "\(command[0]) refused") }
        }
    }

    deinit {
        redisFree(context)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    func start() {
        Thread.detachNewThread { [self] in
            do { try follow() } catch { failure = error }
            done.signal()
        }
    }

    /// Waits until every line's change is confirmed, at most `seconds`; then stops the thread.
    /// Throws what stopped it early, if anything did (a line never confirmed is left at 0).
    func wait(seconds: Double) throws {
        if done.wait(timeout: .now() + seconds) == .timedOut {
            var byte: UInt8 = 1
            _ = write(stopPipe.write, &byte, 1)
            done.wait()
        }
        if let failure { throw failure }
    }

    private func follow() throws {
        var unconfirmed: [Int] = []
        var remaining = keys.count
        while remaining > 0 {
            var fds = [
                pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, unconfirmed.isEmpty ? 1_000 : 1) >= 0 || errno == EINTR else {
                throw BenchError.system(call: "poll", errno: errno)
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 {
                guard redisBufferRead(context) == REDIS_OK else {
                    throw BenchError.ackMismatch(what: "subscriber", detail: "the subscribed connection broke")
                }
                let readAt = Stopwatch.now()
                var raw: UnsafeMutableRawPointer?
                while redisReaderGetReply(context.pointee.reader, &raw) == REDIS_OK, let reply = raw {
                    raw = nil
                    defer { freeReplyObject(reply) }
                    guard let (i, earlier) = line(of: reply.assumingMemoryBound(to: redisReply.self).pointee), messageAt[i] == 0
                    else {
                        strayMessages += 1
                        continue
                    }
                    for j in earlier where messageAt[j] == 0 {
                        messageAt[j] = readAt
                        confirmedAt[j] = readAt
                        coalesced += 1
                        remaining -= 1
                    }
                    messageAt[i] = readAt
                    unconfirmed.append(i)
                }
            }
            guard !unconfirmed.isEmpty else { continue }
            let replies = try reader.send(unconfirmed.map { ["HGET", keys[$0], "revision"] })
            let readAt = Stopwatch.now()
            var later: [Int] = []
            for (i, reply) in zip(unconfirmed, replies) {
                if let revision = reply.integer, revision >= revisions[i] {
                    confirmedAt[i] = readAt
                    remaining -= 1
                } else {
                    later.append(i)
                }
            }
            unconfirmed = later
        }
    }

    /// The workload line a `message` reply (`["message", channel, "[seq=N] su:{id}|…"]`) stands
    /// for, and the lines on the same task before it.
    private func line(of reply: redisReply) -> (Int, ArraySlice<Int>)? {
        guard reply.type == REDIS_REPLY_ARRAY, reply.elements == 3, let payload = reply.element[2]?.pointee, let text = payload.str
        else { return nil }
        let bytes = Array(UnsafeRawBufferPointer(start: text, count: payload.len))
        let prefix = Array("[seq=".utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        var at = prefix.count
        var seq: Int64 = 0
        while at < bytes.count, bytes[at] >= 48, bytes[at] <= 57 {
            seq = seq * 10 + Int64(bytes[at] - 48)
            at += 1
        }
        let code = Array("] su:".utf8)
        guard bytes[at...].starts(with: code) else { return nil }
        let idStart = at + code.count
        let idEnd = bytes[idStart...].firstIndex(of: UInt8(ascii: "|")) ?? bytes.count
        let id = String(decoding: bytes[idStart..<idEnd], as: UTF8.self)
        guard let lines = linesOfTask[id] else { return nil }
        let last = Int(seq - firstSeq)
        // The last line on the task at or before the batch's position.
        var low = 0, high = lines.count
        while low < high {
            let mid = (low + high) / 2
            if lines[mid] <= last { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        return (lines[low - 1], lines[..<(low - 1)])
    }

    /// One command on a blocking hiredis context, its reply (to free) or nil.
    private static func command(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [String]) -> UnsafeMutableRawPointer? {
        let copies = arguments.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        var lengths = arguments.map { $0.utf8.count }
        return redisCommandArgv(context, Int32(arguments.count), &argv, &lengths)
    }
}
