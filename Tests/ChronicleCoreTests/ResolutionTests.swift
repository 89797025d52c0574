import ChronicleCore
import Testing

/// Filling in ids and reading `su:` lines, against a log that is a set of streams.
@Suite struct ResolutionTests {
    struct Streams: IDSource {
        var existing: Set<StreamID>
        func nextID(_ kind: EntityKind, slug: String, taken: (String) -> Bool) throws -> String {
            var n = 1
            while true {
                let id = "\(slug)_" + (n < 10 ? "00" : "0") + "\(n)"
                if !taken(id) && !existing.contains(StreamID(kind, id)) { return id }
                n += 1
            }
        }
        func exists(_ stream: StreamID) throws -> Bool { existing.contains(stream) }
    }

    static let log = Streams(existing: [
        StreamID(.task, "t1"), StreamID(.workflow, "w1"), StreamID(.task, "both"), StreamID(.workflow, "both"),
    ])

    static func resolve(_ command: Command, lastCreated: String? = nil) throws -> Command {
        try Resolution.resolve(command, lastCreatedTask: lastCreated, in: log)
    }

    @Test func aStatusReportNamesATaskOrAWorkflow() throws {
        #expect(
            try Self.resolve(.statusReport(entity: "t1", status: "done", progress: nil))
                == .taskStatus(id: "t1", status: .completed, progress: nil))
        #expect(
            try Self.resolve(.statusReport(entity: "w1", status: "failed", progress: 0.5))
                == .workflowStatus(id: "w1", status: .failed, progress: 0.5))
        // A bare id is a task's when both exist; `workflow/…` says which.
        #expect(
            try Self.resolve(.statusReport(entity: "both", status: "running", progress: nil))
                == .taskStatus(id: "both", status: .inProgress, progress: nil))
        #expect(
            try Self.resolve(.statusReport(entity: "workflow/both", status: "running", progress: nil))
                == .workflowStatus(id: "both", status: .running, progress: nil))
    }

    @Test func aStatusReportIsRefusedByName() {
        #expect(
            throws: CommandError(
                .notFound, "no task or workflow 'nobody'", recovery: "check the id; su: reports on tasks and workflow instances")
        ) {
            try Self.resolve(.statusReport(entity: "nobody", status: "done", progress: nil))
        }
        // A word of the other kind: `failed` is a workflow's, not a task's.
        #expect(throws: CommandError.self) { try Self.resolve(.statusReport(entity: "t1", status: "failed", progress: nil)) }
    }

    @Test func idsAreFilledInAndChildrenDoNotShareOne() throws {
        let spec = TaskSpec(title: "Fix bug", intent: "feature", complexity: .low)
        guard case .taskCreate(let created) = try Self.resolve(.taskCreate(spec)) else { throw CommandError(.parse, "x", recovery: "") }
        #expect(created.id == "fix_bug_001")
        let split = Command.taskSplit(id: nil, confidence: 0.5, reason: "big", into: [spec, spec])
        guard case .taskSplit(let parent, _, _, let into) = try Self.resolve(split, lastCreated: "t1") else {
            throw CommandError(.parse, "x", recovery: "")
        }
        #expect(parent == "t1")
        #expect(into.map(\.id) == ["fix_bug_001", "fix_bug_002"])
    }
}
