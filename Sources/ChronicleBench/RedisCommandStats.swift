import ChronicleRedis

/// What a Redis server counted of the commands it ran since its statistics were last reset
/// (`CONFIG RESETSTAT`): `INFO commandstats`, one line per command name.
struct RedisCommandStats {
    /// Calls and microseconds of server time, by command name (`hset`, `multi`, `exec`, …).
    var byCommand: [String: (calls: Int, microseconds: Int)] = [:]

    var calls: Int { byCommand.values.reduce(0) { $0 + $1.calls } }
    var serverSeconds: Double { Double(byCommand.values.reduce(0) { $0 + $1.microseconds }) / 1e6 }

    /// Resets the server's statistics (`CONFIG RESETSTAT`).
    static func reset(_ connection: RedisConnection) throws {
        let reply = try connection.command("CONFIG", "RESETSTAT")
        if let message = reply.errorMessage { throw BenchError.ackMismatch(what: "CONFIG RESETSTAT", detail: message) }
    }

    /// The server's statistics now, less the `INFO` that reads them and the `CONFIG RESETSTAT`
    /// before (neither is a command the measured client sent).
    static func read(_ connection: RedisConnection) throws -> RedisCommandStats {
        guard let text = try connection.command("INFO", "commandstats").string else {
            throw BenchError.ackMismatch(what: "INFO commandstats", detail: "no text in the reply")
        }
        var stats = RedisCommandStats()
        // cmdstat_hset:calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 8)..<colon])
            var fields: [Substring: Int] = [:]
            for pair in line[line.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Int(parts[1]) { fields[parts[0]] = value }
            }
            stats.byCommand[name] = (fields["calls"] ?? 0, fields["usec"] ?? 0)
        }
        for own in ["config|resetstat", "info"] { stats.byCommand[own] = nil }
        return stats
    }

    /// `hset 120,000, sadd 40, …`, the most called first.
    var breakdown: String {
        byCommand.sorted { $0.value.calls > $1.value.calls }.map { "`\($0.key)` \(ResultTable.grouped(Double($0.value.calls)))" }
            .joined(separator: ", ")
    }
}
