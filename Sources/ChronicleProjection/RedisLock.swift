internal import ChronicleRedis

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// One writer per Redis keyspace (a prefix on a server), as `.chronicle/lock` is for a tree:
/// `{prefix}chronicle:lock` holds `PID@HOST TOKEN` of the projector writing it, for
/// ``milliseconds`` after its last refresh (a following projector refreshes it with its
/// heartbeat). Two writers would each publish every change, and one behind the other would take
/// keys back to an older state.
///
/// A lock whose holder is a process of this host and pid namespace that no longer exists (a
/// projector killed) is taken over at once; one of another host or namespace is waited out (it
/// expires). Every transaction takes or refreshes the lock and `WATCH`es it in the same round
/// trip before it is sent, so a projector that lost it (stopped for longer than the lock lasts,
/// or busy folding that long, and another took over) writes nothing more.
final class RedisLock {
    /// How long the lock lasts after its last refresh.
    static let milliseconds = 15_000

    let key: String
    /// `PID@HOST NAMESPACE TOKEN`.
    let value: String
    private let host: String
    /// The pid namespace (`pid:[4026531836]`): a pid names a process only within it.
    private let namespace: String

    init(prefix: String) {
        key = prefix + "chronicle:lock"
        var name = [CChar](repeating: 0, count: 256)
        host =
            gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        var link = [CChar](repeating: 0, count: 128)
        let length = readlink("/proc/self/ns/pid", &link, link.count - 1)
        namespace = length > 0 ? String(decoding: link[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        value = "\(getpid())@\(host) \(namespace) \(UInt64.random(in: 0...UInt64.max))"
    }

    /// The command that takes or refreshes the lock: it answers 1, or the holder's value.
    var takeCommand: [String] { ["EVAL", Self.script, "1", key, value, String(Self.milliseconds), ""] }

    /// Sets the lock to this projector's value when it is free, already this projector's, or
    /// `ARGV[3]` (a holder found gone); else answers the holder's value.
    private static let script = """
        local v = redis.call('GET', KEYS[1])
        if v == false or v == ARGV[1] or v == ARGV[3] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return v
        """

    /// Takes the lock, or refreshes it (a lock lost when the server restarted empty is taken
    /// again).
    /// - Throws: ``ProjectionError/lockedKeyspace(path:holder:expiresInMilliseconds:)`` when
    ///   another live projector holds it.
    func take(_ connection: RedisConnection, path: String) throws {
        var gone = ""
        while true {
            let reply = try connection.send([["EVAL", Self.script, "1", key, value, String(Self.milliseconds), gone]])[0]
            if reply == .integer(1) { return }
            if let message = reply.errorMessage { throw RedisProjectionError.refused(message) }
            guard let holder = reply.string else { throw RedisProjectionError.refused("the lock \(key) holds no text") }
            if holder != gone, Self.isGone(holder, host: host, namespace: namespace) {
                gone = holder
                continue
            }
            let left = try connection.send([["PTTL", key]])[0].integer ?? -1
            throw ProjectionError.lockedKeyspace(
                path: path, holder: String(holder.split(separator: " ").first ?? ""), expiresInMilliseconds: left)
        }
    }

    /// Gives the lock up, when it is still this projector's.
    func release(_ connection: RedisConnection) {
        _ = try? connection.send([
            ["EVAL", "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", "1", key, value]
        ])
    }

    /// Whether `holder` (`PID@HOST NAMESPACE TOKEN`) is a process of `host` and `namespace`
    /// that no longer exists; one of another host or pid namespace never is.
    static func isGone(_ holder: String, host: String, namespace: String) -> Bool {
        let parts = holder.split(separator: " ")
        guard parts.count == 3, parts[1] == namespace, namespace != "?", let at = parts[0].firstIndex(of: "@"),
            let pid = Int32(parts[0][parts[0].startIndex..<at]), parts[0][parts[0].index(after: at)...] == host
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
