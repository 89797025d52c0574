import ChronicleCore
import ChronicleProjection
import ChronicleViews
import Testing

/// How `chronicle status` judges a view from its checkpoint and heartbeat: alive within three
/// intervals of a following beat, stalled after, idle when stopped or never followed; not built
/// without a checkpoint; refused for another log or a newer version.
@Suite struct ViewStatusTests {
    static let now = Timestamp(microseconds: 1_800_000_000_000_000)
    static let checkpoint = ViewCheckpoint(view: "yaml", version: YAMLTree.version, log: "log-a", seq: 10, validAt: now).bytes

    static func judge(checkpoint: [UInt8]? = checkpoint, beat: Heartbeat?, head: Int64 = 14) -> ViewStatus.Found {
        ViewStatus.judge(
            kind: "yaml", path: "tree", checkpoint: checkpoint, heartbeat: beat?.bytes, identity: "log-a", head: head,
            version: YAMLTree.version, now: now
        ).found
    }

    static func beat(_ state: Heartbeat.State, ageMilliseconds: Int64, seq: Int64 = 12) -> Heartbeat {
        Heartbeat(pid: 42, state: state, beatAt: Timestamp(microseconds: now.microseconds - ageMilliseconds * 1_000), seq: seq)
    }

    @Test func aFreshFollowingBeatIsAliveAndCountsItsSeq() {
        let beat = Self.beat(.following, ageMilliseconds: 2_900)
        #expect(Self.judge(beat: beat) == .view(seq: 12, version: YAMLTree.version, behind: 2, liveness: .alive, heartbeat: beat))
    }

    @Test func anOldFollowingBeatIsStalledAndTheCheckpointCounts() {
        let beat = Self.beat(.following, ageMilliseconds: 3_100)
        #expect(Self.judge(beat: beat) == .view(seq: 10, version: YAMLTree.version, behind: 4, liveness: .stalled, heartbeat: beat))
    }

    @Test func aStoppedBeatOrNoneIsIdle() {
        let beat = Self.beat(.stopped, ageMilliseconds: 0)
        #expect(Self.judge(beat: beat) == .view(seq: 10, version: YAMLTree.version, behind: 4, liveness: .idle, heartbeat: beat))
        #expect(Self.judge(beat: nil, head: 10) == .view(seq: 10, version: YAMLTree.version, behind: 0, liveness: .idle, heartbeat: nil))
    }

    @Test func noCheckpointIsNotBuiltAndAnotherLogsIsRefused() {
        #expect(Self.judge(checkpoint: nil, beat: nil) == .notBuilt)
        let other = ViewCheckpoint(view: "yaml", version: YAMLTree.version, log: "log-b", seq: 3, validAt: Self.now).bytes
        guard case .refused(let why) = Self.judge(checkpoint: other, beat: nil) else {
            Issue.record("another log's view was not refused")
            return
        }
        #expect(why.contains("log-b") || why.contains("another log"), "\(why)")
        let newer = ViewCheckpoint(view: "yaml", version: YAMLTree.version + 1, log: "log-a", seq: 3, validAt: Self.now).bytes
        guard case .refused = Self.judge(checkpoint: newer, beat: nil) else {
            Issue.record("a newer version's view was not refused")
            return
        }
    }

    @Test func textAndJSONSayTheSame() {
        let beat = Self.beat(.following, ageMilliseconds: 400)
        let status = ViewStatus(
            kind: "yaml", path: "tree", found: .view(seq: 12, version: 1, behind: 2, liveness: .alive, heartbeat: beat))
        #expect(status.text(now: Self.now) == "yaml tree: #12, version 1, 2 behind, alive (pid 42, following, beat 0.4 s ago)")
        let json = status.json.jsonString
        for field in [#""state":"alive""#, #""seq":12"#, #""behind":2"#, #""pid":42"#, #""heartbeat":"following""#] {
            #expect(json.contains(field), "\(json)")
        }
    }
}
