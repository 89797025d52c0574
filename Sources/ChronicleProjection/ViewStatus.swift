public import ChronicleCore

/// Where one view stands against the log, as `chronicle status` reports it: read from the
/// view's checkpoint and heartbeat, judged against the log's head and the wall clock.
public struct ViewStatus: Sendable, Equatable {
    /// Whether a projector keeps the view up to date.
    public enum Liveness: String, Sendable {
        /// A following projector beat within the last three intervals.
        case alive
        /// The heartbeat says following, but is older than three intervals: the projector hangs,
        /// or died without stopping (SIGKILL, a crash, a lost machine).
        case stalled
        /// No projector follows it (it stopped, or never followed): it is as current as its
        /// checkpoint.
        case idle
    }

    /// What stands in the view's directory.
    public enum Found: Sendable, Equatable {
        /// A view of this log.
        case view(seq: Int64, version: Int, behind: Int64, liveness: Liveness, heartbeat: Heartbeat?)
        /// No checkpoint: never built (or not finished once).
        case notBuilt
        /// Not a view this log and this version can use; the reason.
        case refused(String)
        /// Its server cannot be reached (a Redis view); the reason.
        case unreachable(String)
    }

    public var kind: String
    public var path: String
    public var found: Found

    public init(kind: String, path: String, found: Found) {
        (self.kind, self.path, self.found) = (kind, path, found)
    }

    /// Judges a view from its checkpoint and heartbeat bytes (nil: no such file) against the
    /// log (`identity`, `head`) at wall time `now`.
    public static func judge(
        kind: String, path: String, checkpoint: [UInt8]?, heartbeat: [UInt8]?, identity: String, head: Int64, version: Int,
        now: Timestamp
    ) -> ViewStatus {
        guard let checkpoint else { return ViewStatus(kind: kind, path: path, found: .notBuilt) }
        do {
            return judge(
                kind: kind, path: path, stored: try ViewCheckpoint(bytes: checkpoint, path: path),
                heartbeat: heartbeat.flatMap(Heartbeat.init(bytes:)), identity: identity, head: head, version: version, now: now)
        } catch {
            return ViewStatus(kind: kind, path: path, found: .refused(error.description))
        }
    }

    /// Judges a view from its checkpoint and heartbeat, read already (nil: none).
    public static func judge(
        kind: String, path: String, stored: ViewCheckpoint?, heartbeat beat: Heartbeat?, identity: String, head: Int64, version: Int,
        now: Timestamp
    ) -> ViewStatus {
        guard let stored else { return ViewStatus(kind: kind, path: path, found: .notBuilt) }
        do {
            try stored.check(view: kind, version: version, log: identity, path: path)
        } catch {
            return ViewStatus(kind: kind, path: path, found: .refused(error.description))
        }
        var liveness = Liveness.idle
        var seq = stored.seq
        if let beat, beat.state == .following {
            let fresh = now.microseconds - beat.beatAt.microseconds <= 3 * Heartbeat.intervalMilliseconds * 1_000
            liveness = fresh ? .alive : .stalled
            if fresh { seq = max(seq, beat.seq) }
        }
        return ViewStatus(
            kind: kind, path: path,
            found: .view(seq: seq, version: stored.version, behind: max(0, head - seq), liveness: liveness, heartbeat: beat))
    }

    /// One line: `yaml tree: #1230, 4 behind, alive (pid 12, beat 0.4 s ago)`.
    public func text(now: Timestamp) -> String {
        switch found {
        case .notBuilt:
            return kind == "redis"
                ? "\(kind) \(path): not built (run `chronicle project redis` with that server and prefix)"
                : "\(kind) \(path): not built (run `chronicle project \(kind) \(path)`)"
        case .refused(let why): return "\(kind) \(path): refused: \(why)"
        case .unreachable(let why): return "\(kind) \(path): unreachable: \(why)"
        case .view(let seq, let version, let behind, let liveness, let beat):
            var line =
                "\(kind) \(path): #\(seq), version \(version), \(behind == 0 ? "up to date" : "\(behind) behind"), \(liveness.rawValue)"
            if let beat {
                let tenths = max(0, now.microseconds - beat.beatAt.microseconds) / 100_000
                line += " (pid \(beat.pid), \(beat.state.rawValue), beat \(tenths / 10).\(tenths % 10) s ago)"
            }
            return line
        }
    }

    /// The JSON object of ``text(now:)``.
    public var json: JSONValue {
        var members = [JSONMember("kind", .string(kind)), JSONMember("path", .string(path))]
        switch found {
        case .notBuilt: members.append(JSONMember("state", .string("not_built")))
        case .refused(let why):
            members += [JSONMember("state", .string("refused")), JSONMember("reason", .string(why))]
        case .unreachable(let why):
            members += [JSONMember("state", .string("unreachable")), JSONMember("reason", .string(why))]
        case .view(let seq, let version, let behind, let liveness, let beat):
            members += [
                JSONMember("state", .string(liveness.rawValue)), JSONMember("seq", .number(Double(seq))),
                JSONMember("version", .number(Double(version))), JSONMember("behind", .number(Double(behind))),
            ]
            if let beat {
                members += [
                    JSONMember("pid", .number(Double(beat.pid))), JSONMember("heartbeat", .string(beat.state.rawValue)),
                    JSONMember("beat_at", .string(beat.beatAt.rfc3339)),
                ]
            }
        }
        return .object(members)
    }
}

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif
