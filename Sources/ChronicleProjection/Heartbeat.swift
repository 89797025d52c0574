public import ChronicleCore

/// What a following projector says of itself, beside its checkpoint
/// (`.chronicle/heartbeat.json`), every ``interval`` and when it stops: its process, whether it
/// is following, when it last beat (the wall clock: liveness is about real time, whatever clock
/// the log is recorded with) and the last position it applied. `chronicle status` reads it.
public struct Heartbeat: Sendable, Equatable {
    public static let path = ".chronicle/heartbeat.json"
    /// How often a following projector beats; one that has not beaten for three intervals is
    /// stalled.
    public static let intervalMilliseconds: Int64 = 1_000

    public enum State: String, Sendable {
        case following
        case stopped
    }

    public var pid: Int32
    public var state: State
    public var beatAt: Timestamp
    public var seq: Int64

    public init(pid: Int32, state: State, beatAt: Timestamp, seq: Int64) {
        (self.pid, self.state, self.beatAt, self.seq) = (pid, state, beatAt, seq)
    }

    public var bytes: [UInt8] {
        let json = JSONValue.object([
            JSONMember("pid", .number(Double(pid))), JSONMember("state", .string(state.rawValue)),
            JSONMember("beat_at", .string(beatAt.rfc3339)), JSONMember("seq", .number(Double(seq))),
        ])
        return Array((json.jsonString + "\n").utf8)
    }

    /// Reads a heartbeat; nil for one that is not (a heartbeat is advisory).
    public init?(bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes: bytes), case .number(let pid)? = json["pid"],
            case .string(let state)? = json["state"], let state = State(rawValue: state), case .string(let beat)? = json["beat_at"],
            let beatAt = Timestamp(rfc3339: beat), case .number(let seq)? = json["seq"], let wholePid = Int32(exactly: pid),
            let wholeSeq = Int64(exactly: seq)
        else { return nil }
        self.init(pid: wholePid, state: state, beatAt: beatAt, seq: wholeSeq)
    }
}
