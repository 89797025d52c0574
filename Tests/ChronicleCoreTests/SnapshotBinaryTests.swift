import Testing

@testable import ChronicleCore

/// The binary form of snapshots carries every field of every state: states with every optional
/// field set, and with none, read back equal; damaged bytes read as no snapshot.
@Suite struct SnapshotBinaryTests {
    static let t0 = Timestamp(microseconds: 1_748_772_000_000_000)

    static var fullTask: TaskState {
        var t = TaskState(
            id: "t1", title: "Titl€ \"quoted\"", intent: "feature", complexity: .high, confidence: 0.3125, routing: "split",
            createdAt: t0, revision: 7)
        t.description = "a description"
        t.status = .cancelled
        t.progress = 0.75
        t.keywords = ["k1", "k2"]
        t.patterns = ["p"]
        t.related = ["r1", "r2", "r3"]
        t.parent = "t0"
        t.children = ["c1", "c2"]
        t.contextCascade = "contexts/dev"
        t.estimatedEffort = "2d"
        t.splitReason = "too big"
        t.result = .object(["ok": .bool(true), "n": .number(1.5), "list": .array([.null, .string("x")])])
        t.nextSteps = .array([.string("ship")])
        t.cancelReason = "superseded"
        t.updatedAt = t0.advanced(by: 9_999)
        return t
    }

    static var fullWorkflow: WorkflowState {
        var w = WorkflowState(
            id: "w1", workflow: "deploy", params: .object(["env": .string("prod")]),
            steps: [
                WorkflowState.Step(name: "build", status: .completed, output: .object(["artifact": .string("a.tgz")]), error: nil),
                WorkflowState.Step(name: "test", status: .failed, output: nil, error: "timeout"),
                WorkflowState.Step(name: "ship"),
            ], startedAt: t0, updatedAt: t0.advanced(by: 5), revision: 4)
        w.status = .cancelled
        w.progress = 1 / 3
        w.result = .string("partial")
        w.cancelReason = "stopped"
        return w
    }

    static let cases: [Snapshot] = [
        Snapshot(
            kind: .task, position: 42, validAt: t0,
            streams: [
                "t1": .init(state: .task(fullTask), frontier: t0.advanced(by: 9_999)),
                "t2": .init(
                    state: .task(
                        TaskState(
                            id: "t2", title: "", intent: "", complexity: .low, confidence: -0.0, routing: "", createdAt: .earliest,
                            revision: 1)), frontier: .earliest),
                "gone": .init(state: nil, frontier: .latest),
            ],
            pending: [.init(seq: 7, validFrom: .latest), .init(seq: 40, validFrom: t0.advanced(by: 1))]),
        Snapshot(
            kind: .memory, position: Int64(Int32.max) * 4, validAt: .latest,
            streams: [
                "k": .init(
                    state: .memory(
                        MemoryState(
                            key: "k", value: .object(["theme": .string("dark")]), type: "semantic", category: "prefs", significance: 0.9,
                            version: 3, validFrom: t0, revision: 5)), frontier: t0),
                "plain": .init(
                    state: .memory(
                        MemoryState(
                            key: "plain", value: .string("v"), type: "episodic", category: nil, significance: nil, version: 1,
                            validFrom: .earliest, revision: 1)), frontier: .earliest),
            ], pending: []),
        Snapshot(
            kind: .workflow, position: 1, validAt: .earliest, streams: ["w1": .init(state: .workflow(fullWorkflow), frontier: t0)],
            pending: []),
        Snapshot(
            kind: .context, position: 3, validAt: t0,
            streams: ["c": .init(state: .context(id: "c", summary: "sum", revision: 2), frontier: t0)],
            pending: []),
        Snapshot.empty(.task),
    ]

    @Test(arguments: cases)
    func everyFieldReadsBack(snapshot: Snapshot) {
        #expect(Snapshot(binary: snapshot.binary) == snapshot)
    }

    @Test(arguments: cases)
    func damagedBytesReadAsNoSnapshot(snapshot: Snapshot) {
        let bytes = snapshot.binary
        for cut in 0..<bytes.count { #expect(Snapshot(binary: Array(bytes[..<cut])) == nil, "cut at \(cut)") }
        #expect(Snapshot(binary: bytes + [0]) == nil, "a byte too many")
        for i in bytes.indices {
            var flipped = bytes
            flipped[i] ^= 0xFF
            _ = Snapshot(binary: flipped)
        }
    }
}
