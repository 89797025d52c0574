import ChronicleTesting
import Foundation
import Testing

// `@testable` for the memberwise initializers of MemoryState, WorkflowState and Decision,
// so that each expected state can be written out whole.
@testable import ChronicleCore

/// `t(n)`: n seconds after 2025-06-01T10:00:00Z.
func t(_ seconds: Int64) -> Timestamp { time("2025-06-01T10:00:00Z").advanced(by: seconds * 1_000_000) }

/// Expects `body` to refuse with `code` and exactly `message` (and `recovery`, when given).
func expectError(
    _ code: CommandError.Code, _ message: String, recovery: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Decider.Decision
) {
    do {
        let decision = try body()
        Issue.record("expected er:\(code.rawValue), decided \(decision)", sourceLocation: sourceLocation)
    } catch let error as CommandError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.message == message, sourceLocation: sourceLocation)
        if let recovery { #expect(error.recovery == recovery, sourceLocation: sourceLocation) }
    } catch {
        Issue.record("not a CommandError: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct DeciderTests {
    // MARK: - Tasks

    @Test func taskLifecycle() throws {
        var l = Ledger()
        let id = "user_authentication_system_001"
        let stream = StreamID(.task, id)
        let created = spec("User Authentication System", "business_growth", .high, id: id)

        // tc: — a high task without a confidence gets 0.6 and is guided.
        let create = try l.decide(.taskCreate(created))
        #expect(
            create
                == Decider.Decision(
                    events: [EventDraft(stream, .taskCreated(created, confidence: 0.6, routing: "guided"))], ack: .tr(id, 0.6, "guided")))
        var expected = TaskState(
            id: id, title: "User Authentication System", intent: "business_growth", complexity: .high, confidence: 0.6,
            routing: "guided", createdAt: t(0), revision: 1)
        #expect(l.fold(create.events[0], seq: 1, rev: 1, valid: t(0)) == .task(expected))

        // The seed's handoff: task.update.
        var changes = TaskChanges()
        changes.intent = "auth_implementation"
        changes.keywords = ["authentication", "security", "jwt"]
        changes.patterns = ["feature_dev"]
        changes.confidence = 0.87
        changes.related = ["user_mgmt_002"]
        changes.contextCascade = "contexts/agents/dev/backend_tasks.yaml"
        changes.estimatedEffort = "2-3_days"
        let update = try l.decide(.taskUpdate(id: id, changes: changes))
        #expect(update == Decider.Decision(events: [EventDraft(stream, .taskUpdated(changes))], ack: .su(id, "pending", 0)))
        expected.intent = "auth_implementation"
        expected.keywords = ["authentication", "security", "jwt"]
        expected.patterns = ["feature_dev"]
        expected.confidence = 0.87
        expected.related = ["user_mgmt_002"]
        expected.contextCascade = "contexts/agents/dev/backend_tasks.yaml"
        expected.estimatedEffort = "2-3_days"
        expected.updatedAt = t(10)
        expected.revision = 2
        #expect(l.fold(update.events[0], seq: 2, rev: 2, valid: t(10)) == .task(expected))

        // su: in_progress with progress.
        let start = try l.decide(.taskStatus(id: id, status: .inProgress, progress: 0.45))
        #expect(
            start
                == Decider.Decision(
                    events: [EventDraft(stream, .taskStatusChanged(status: .inProgress, progress: 0.45))], ack: .su(id, "in_progress", 0.45)
                ))
        expected.status = .inProgress
        expected.progress = 0.45
        expected.updatedAt = t(20)
        expected.revision = 3
        #expect(l.fold(start.events[0], seq: 3, rev: 3, valid: t(20)) == .task(expected))

        // A progress report without a progress keeps the old one.
        let report = try l.decide(.taskStatus(id: id, status: .inProgress, progress: nil))
        #expect(report.ack == .su(id, "in_progress", 0.45))
        expected.updatedAt = t(25)
        expected.revision = 4
        #expect(l.fold(report.events[0], seq: 4, rev: 4, valid: t(25)) == .task(expected))

        // tr: from the backend re-routes.
        let route = try l.decide(.taskRoute(id: id, confidence: 0.85, routing: "one_shot"))
        #expect(
            route
                == Decider.Decision(
                    events: [EventDraft(stream, .taskRouted(confidence: 0.85, routing: "one_shot"))], ack: .tr(id, 0.85, "one_shot")))
        expected.confidence = 0.85
        expected.routing = "one_shot"
        expected.updatedAt = t(30)
        expected.revision = 5
        #expect(l.fold(route.events[0], seq: 5, rev: 5, valid: t(30)) == .task(expected))

        // task.relate adds only the ids not there yet.
        let relate = try l.decide(.taskRelate(id: id, related: ["user_mgmt_002", "api_security_003"]))
        #expect(
            relate
                == Decider.Decision(
                    events: [EventDraft(stream, .taskRelated(related: ["user_mgmt_002", "api_security_003"]))],
                    ack: .su(id, "in_progress", 0.45)))
        expected.related = ["user_mgmt_002", "api_security_003"]
        expected.updatedAt = t(40)
        expected.revision = 6
        #expect(l.fold(relate.events[0], seq: 6, rev: 6, valid: t(40)) == .task(expected))

        // task.split with one child: the parent's event, then the child's creation, in one decision.
        let child = spec("Token refresh", "auth_implementation", .medium, id: "token_refresh_001") { $0.parent = id }
        let split = try l.decide(.taskSplit(id: id, confidence: 0.4, reason: "two parts", into: [child]))
        let childStream = StreamID(.task, "token_refresh_001")
        #expect(
            split
                == Decider.Decision(
                    events: [
                        EventDraft(stream, .taskSplitRequested(confidence: 0.4, reason: "two parts", children: ["token_refresh_001"])),
                        EventDraft(childStream, .taskCreated(child, confidence: 0.75, routing: "guided")),
                    ],
                    ack: .su(id, "splitting", 0.45)))
        expected.status = .splitting
        expected.confidence = 0.4
        expected.routing = "split"
        expected.splitReason = "two parts"
        expected.children = ["token_refresh_001"]
        expected.updatedAt = t(50)
        expected.revision = 7
        #expect(l.fold(split.events[0], seq: 7, rev: 7, valid: t(50)) == .task(expected))
        var expectedChild = TaskState(
            id: "token_refresh_001", title: "Token refresh", intent: "auth_implementation", complexity: .medium,
            confidence: 0.75, routing: "guided", createdAt: t(50), revision: 1)
        expectedChild.parent = id
        #expect(l.fold(split.events[1], seq: 8, rev: 1, valid: t(50)) == .task(expectedChild))

        // Not completed from splitting: back to in_progress first.
        expectError(
            .invalidTransition, "task '\(id)' cannot go from splitting to completed",
            recovery: "from splitting a task may go to splitting, in_progress, blocked, cancelled"
        ) {
            try l.decide(.taskComplete(id: id, result: object(["pr": 42]), nextSteps: ["deploy"]))
        }
        let resume = try l.decide(.taskStatus(id: id, status: .inProgress, progress: nil))
        expected.status = .inProgress
        expected.updatedAt = t(55)
        expected.revision = 8
        #expect(l.fold(resume.events[0], seq: 9, rev: 8, valid: t(55)) == .task(expected))

        // task.complete from in_progress.
        let complete = try l.decide(.taskComplete(id: id, result: object(["pr": 42]), nextSteps: ["deploy"]))
        #expect(
            complete
                == Decider.Decision(
                    events: [EventDraft(stream, .taskCompleted(result: object(["pr": 42]), nextSteps: ["deploy"]))],
                    ack: .su(id, "completed", 1)))
        expected.status = .completed
        expected.progress = 1
        expected.result = object(["pr": 42])
        expected.nextSteps = ["deploy"]
        expected.updatedAt = t(60)
        expected.revision = 9
        #expect(l.fold(complete.events[0], seq: 10, rev: 9, valid: t(60)) == .task(expected))

        // Completed is final.
        expectError(
            .invalidTransition, "task '\(id)' cannot go from completed to in_progress",
            recovery: "a completed task is final; create a new task"
        ) {
            try l.decide(.taskStatus(id: id, status: .inProgress, progress: 0.5))
        }
        expectError(.invalidTransition, "task '\(id)' cannot go from completed to cancelled") {
            try l.decide(.taskCancel(id: id, reason: "late"))
        }
        expectError(.invalidTransition, "task '\(id)' cannot go from completed to splitting") {
            try l.decide(.taskSplit(id: id, confidence: 0.2, reason: "again", into: []))
        }
        // …but the child lives on.
        #expect(l.state.task("token_refresh_001") == expectedChild)
    }

    @Test func cancelAndStatusCompletion() throws {
        var l = Ledger()
        let stream = StreamID(.task, "fix_typo_001")
        let created = spec("Fix typo", "docs", .low, id: "fix_typo_001") { $0.confidence = 0.95 }
        let create = try l.decide(.taskCreate(created))
        #expect(create.ack == .tr("fix_typo_001", 0.95, "one_shot"))
        var expected = TaskState(
            id: "fix_typo_001", title: "Fix typo", intent: "docs", complexity: .low, confidence: 0.95, routing: "one_shot", createdAt: t(0),
            revision: 1)
        #expect(l.fold(create.events[0], seq: 1, rev: 1, valid: t(0)) == .task(expected))

        let block = try l.decide(.taskStatus(id: "fix_typo_001", status: .blocked, progress: 0.1))
        expected.status = .blocked
        expected.progress = 0.1
        expected.updatedAt = t(1)
        expected.revision = 2
        #expect(l.fold(block.events[0], seq: 2, rev: 2, valid: t(1)) == .task(expected))

        // A status report of completion sets progress to 1 whatever was reported.
        expectError(
            .invalidTransition, "task 'fix_typo_001' cannot go from blocked to completed",
            recovery: "from blocked a task may go to blocked, in_progress, splitting, cancelled"
        ) {
            try l.decide(.taskStatus(id: "fix_typo_001", status: .completed, progress: 0.5))
        }
        let resume = try l.decide(.taskStatus(id: "fix_typo_001", status: .inProgress, progress: nil))
        expected.status = .inProgress
        expected.updatedAt = t(2)
        expected.revision = 3
        #expect(l.fold(resume.events[0], seq: 3, rev: 3, valid: t(2)) == .task(expected))
        let done = try l.decide(.taskStatus(id: "fix_typo_001", status: .completed, progress: 0.5))
        #expect(
            done
                == Decider.Decision(
                    events: [EventDraft(stream, .taskStatusChanged(status: .completed, progress: 0.5))],
                    ack: .su("fix_typo_001", "completed", 1)))
        expected.status = .completed
        expected.progress = 1
        expected.updatedAt = t(3)
        expected.revision = 4
        #expect(l.fold(done.events[0], seq: 4, rev: 4, valid: t(3)) == .task(expected))

        // Another task, cancelled while pending.
        var m = Ledger()
        let other = spec("Write docs", "docs", .medium, id: "write_docs_001")
        let c2 = try m.decide(.taskCreate(other))
        _ = m.fold(c2.events[0], seq: 1, rev: 1, valid: t(0))
        let cancel = try m.decide(.taskCancel(id: "write_docs_001", reason: "duplicate"))
        #expect(
            cancel
                == Decider.Decision(
                    events: [EventDraft(StreamID(.task, "write_docs_001"), .taskCancelled(reason: "duplicate"))],
                    ack: .su("write_docs_001", "cancelled", 0)))
        var expectedOther = TaskState(
            id: "write_docs_001", title: "Write docs", intent: "docs", complexity: .medium, confidence: 0.75, routing: "guided",
            createdAt: t(0), revision: 2)
        expectedOther.status = .cancelled
        expectedOther.cancelReason = "duplicate"
        expectedOther.updatedAt = t(5)
        #expect(m.fold(cancel.events[0], seq: 2, rev: 2, valid: t(5)) == .task(expectedOther))
        expectError(
            .invalidTransition, "task 'write_docs_001' cannot go from cancelled to cancelled",
            recovery: "a cancelled task is final; create a new task"
        ) {
            try m.decide(.taskCancel(id: "write_docs_001", reason: "again"))
        }
    }

    /// A late-arriving event (valid time before the newest) does not move `updatedAt` back.
    @Test func lateEventKeepsUpdatedAt() throws {
        var l = Ledger()
        let created = spec("Late", "ops", .low, id: "late_001")
        _ = l.fold(try l.decide(.taskCreate(created)).events[0], seq: 1, rev: 1, valid: t(0))
        _ = l.fold(try l.decide(.taskStatus(id: "late_001", status: .inProgress, progress: 0.5)).events[0], seq: 2, rev: 2, valid: t(100))
        let state = l.fold(
            try l.decide(.taskRelate(id: "late_001", related: ["x_001"])).events[0], seq: 3, rev: 3, valid: t(50), recorded: t(200))
        var expected = TaskState(
            id: "late_001", title: "Late", intent: "ops", complexity: .low, confidence: 0.9, routing: "one_shot", createdAt: t(0),
            revision: 3)
        expected.status = .inProgress
        expected.progress = 0.5
        expected.related = ["x_001"]
        expected.updatedAt = t(100)
        #expect(state == .task(expected))
    }

    // MARK: - The task status state machine

    /// Allowed moves, from → to. Every other pair is `invalid_transition`.
    static let allowedMoves: Set<String> = [
        "pending→pending", "pending→in_progress", "pending→blocked", "pending→splitting", "pending→cancelled",
        "in_progress→in_progress", "in_progress→blocked", "in_progress→splitting", "in_progress→completed", "in_progress→cancelled",
        "blocked→in_progress", "blocked→blocked", "blocked→splitting", "blocked→cancelled",
        "splitting→in_progress", "splitting→blocked", "splitting→splitting", "splitting→cancelled",
    ]

    @Test(arguments: TaskStatus.allCases, TaskStatus.allCases)
    func statusMove(_ from: TaskStatus, _ to: TaskStatus) throws {
        var task = TaskState(
            id: "t_001", title: "T", intent: "i", complexity: .low, confidence: 0.9, routing: "one_shot", createdAt: t(0), revision: 4)
        task.status = from
        task.progress = 0.25
        var s = DecisionState()
        s.entities[StreamID(.task, "t_001")] = .task(task)
        s.revisions[StreamID(.task, "t_001")] = 4
        let allowed = Self.allowedMoves.contains("\(from.rawValue)→\(to.rawValue)")
        #expect(from.canMove(to: to) == allowed)
        do {
            let d = try Decider().decide(.taskStatus(id: "t_001", status: to, progress: nil), given: s)
            #expect(allowed, "\(from) → \(to) was accepted")
            #expect(d.events == [EventDraft(StreamID(.task, "t_001"), .taskStatusChanged(status: to, progress: nil))])
            #expect(d.ack == .su("t_001", to.rawValue, to == .completed ? 1 : 0.25))
        } catch {
            #expect(!allowed, "\(from) → \(to) was refused: \(error)")
            #expect(error.code == .invalidTransition)
            #expect(error.message == "task 't_001' cannot go from \(from.rawValue) to \(to.rawValue)")
        }
    }

    @Test(arguments: [
        ("pending", TaskStatus.pending), ("todo", .pending), ("running", .inProgress), ("in_progress", .inProgress),
        ("Started", .inProgress), ("waiting", .blocked), ("split", .splitting), ("done", .completed), ("SUCCESS", .completed),
        ("canceled", .cancelled), ("aborted", .cancelled),
    ])
    func taskStatusWords(_ word: String, _ status: TaskStatus) {
        #expect(TaskStatus(word: word) == status)
    }

    @Test(arguments: [
        ("running", WorkflowStatus.running), ("in_progress", .running), ("done", .completed), ("completed", .completed),
        ("failed", .failed), ("error", .failed), ("cancelled", .cancelled), ("canceled", .cancelled),
    ])
    func workflowStatusWords(_ word: String, _ status: WorkflowStatus) {
        #expect(WorkflowStatus(word: word) == status)
    }

    @Test(arguments: ["", "exploded", "in progress", "complete!", "blocked "])
    func unknownStatusWords(_ word: String) {
        #expect(TaskStatus(word: word) == nil)
        #expect(WorkflowStatus(word: word) == nil)
    }

    // MARK: - Memory

    @Test func memoryLifecycle() throws {
        var l = Ledger()
        let stream = StreamID(.memory, "user_preference")

        let first = try l.decide(
            .memoryStore(key: "user_preference", value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil))
        #expect(
            first
                == Decider.Decision(
                    events: [
                        EventDraft(
                            stream, .memoryStored(value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil))
                    ],
                    ack: .su("memory/user_preference", "stored", version: 1)))
        var expected = MemoryState(
            key: "user_preference", value: object(["theme": "dark"]), type: "semantic", category: nil, significance: nil, version: 1,
            validFrom: t(0), revision: 1)
        #expect(l.fold(first.events[0], seq: 1, rev: 1, valid: t(0)) == .memory(expected))

        let second = try l.decide(.memoryStore(key: "user_preference", value: "light", type: "episodic", category: "ui", significance: 0.9))
        #expect(second.ack == .su("memory/user_preference", "stored", version: 2))
        expected = MemoryState(
            key: "user_preference", value: "light", type: "episodic", category: "ui", significance: 0.9, version: 2, validFrom: t(10),
            revision: 2)
        #expect(l.fold(second.events[0], seq: 2, rev: 2, valid: t(10)) == .memory(expected))

        let forget = try l.decide(.memoryForget(key: "user_preference"))
        #expect(
            forget
                == Decider.Decision(
                    events: [EventDraft(stream, .memoryForgotten)], ack: .su("memory/user_preference", "forgotten", version: 2)))
        #expect(l.fold(forget.events[0], seq: 3, rev: 3, valid: t(20)) == nil)
        #expect(l.state.revision(stream) == 3)

        expectError(.notFound, "memory key 'user_preference' does not exist", recovery: "create it first or check the id") {
            try l.decide(.memoryForget(key: "user_preference"))
        }

        // A store after a forget brings the key back, counting versions from 1 again.
        let again = try l.decide(.memoryStore(key: "user_preference", value: "dark", type: "semantic", category: nil, significance: nil))
        #expect(again.ack == .su("memory/user_preference", "stored", version: 1))
        expected = MemoryState(
            key: "user_preference", value: "dark", type: "semantic", category: nil, significance: nil, version: 1, validFrom: t(30),
            revision: 4)
        #expect(l.fold(again.events[0], seq: 4, rev: 4, valid: t(30)) == .memory(expected))
    }

    /// ``Fold`` orders by (valid time, seq) and leaves retracted events and retractions out.
    @Test func foldOrderAndRetraction() {
        let stream = StreamID(.memory, "theme")
        func stored(_ seq: Int64, _ rev: Int, _ value: JSONValue, valid: Timestamp) -> RecordedEvent {
            RecordedEvent(
                seq: seq, stream: stream, streamRevision: rev, validFrom: valid, recordedAt: t(Int64(100 + seq)), commandID: "c-\(seq)",
                event: .memoryStored(value: value, type: "semantic", category: nil, significance: nil))
        }
        let a = stored(1, 1, "dark", valid: t(10))
        let b = stored(2, 2, "light", valid: t(20))
        let c = stored(3, 3, "blue", valid: t(20))  // same valid time as b: seq breaks the tie
        let retraction = RecordedEvent(
            seq: 4, stream: stream, streamRevision: 4, validFrom: t(104), recordedAt: t(104), commandID: "c-4",
            event: .eventRetracted(seq: 3, reason: "typo"))

        #expect(
            Fold.state(of: [c, a, b], retracted: [])
                == .memory(MemoryState(key: "theme", value: "blue", type: "semantic", version: 3, validFrom: t(20), revision: 3)))
        #expect(
            Fold.state(of: [a, b, c, retraction], retracted: [3])
                == .memory(MemoryState(key: "theme", value: "light", type: "semantic", version: 2, validFrom: t(20), revision: 2)))
        #expect(Fold.state(of: [a, b, c, retraction], retracted: [1, 2, 3]) == nil)
    }

    // MARK: - Workflows

    @Test func workflowWithSteps() throws {
        var l = Ledger()
        let id = "project_planning_001"
        let stream = StreamID(.workflow, id)
        let params = object(["name": "MyApp", "scope": "web,mobile"])

        let start = try l.decide(.workflowStart(workflow: "project_planning", id: id, params: params, steps: ["scope", "estimate"]))
        #expect(
            start
                == Decider.Decision(
                    events: [
                        EventDraft(stream, .workflowStarted(workflow: "project_planning", params: params, steps: ["scope", "estimate"]))
                    ], ack: .su(id, "running", 0)))
        var expected = WorkflowState(
            id: id, workflow: "project_planning", params: params, status: .running, progress: 0,
            steps: [.init(name: "scope"), .init(name: "estimate")], result: nil, cancelReason: nil,
            startedAt: t(0), updatedAt: t(0), revision: 1)
        #expect(l.fold(start.events[0], seq: 1, rev: 1, valid: t(0)) == .workflow(expected))

        let scopeStarted = try l.decide(.workflowStep(id: id, step: "scope", status: .started, output: nil, error: nil))
        #expect(
            scopeStarted
                == Decider.Decision(
                    events: [EventDraft(stream, .workflowStepRecorded(step: "scope", status: .started, output: nil, error: nil))],
                    ack: .su(id, "running", 0)))
        expected.steps[0].status = .started
        expected.updatedAt = t(1)
        expected.revision = 2
        #expect(l.fold(scopeStarted.events[0], seq: 2, rev: 2, valid: t(1)) == .workflow(expected))

        let scopeDone = try l.decide(.workflowStep(id: id, step: "scope", status: .completed, output: object(["pages": 3]), error: nil))
        #expect(scopeDone.ack == .su(id, "running", 0.5))
        expected.steps[0].status = .completed
        expected.steps[0].output = object(["pages": 3])
        expected.progress = 0.5
        expected.updatedAt = t(2)
        expected.revision = 3
        #expect(l.fold(scopeDone.events[0], seq: 3, rev: 3, valid: t(2)) == .workflow(expected))

        // A step the start did not name is added at the end.
        let review = try l.decide(.workflowStep(id: id, step: "review", status: .started, output: nil, error: nil))
        #expect(review.ack == .su(id, "running", 1.0 / 3.0))
        expected.steps.append(.init(name: "review", status: .started))
        expected.progress = 1.0 / 3.0
        expected.updatedAt = t(3)
        expected.revision = 4
        #expect(l.fold(review.events[0], seq: 4, rev: 4, valid: t(3)) == .workflow(expected))

        // A failed step fails the instance.
        let failed = try l.decide(.workflowStep(id: id, step: "estimate", status: .failed, output: nil, error: "timeout"))
        #expect(failed.ack == .su(id, "failed", 1.0 / 3.0))
        expected.steps[1].status = .failed
        expected.steps[1].error = "timeout"
        expected.status = .failed
        expected.updatedAt = t(4)
        expected.revision = 5
        #expect(l.fold(failed.events[0], seq: 5, rev: 5, valid: t(4)) == .workflow(expected))

        expectError(.invalidTransition, "workflow '\(id)' is failed and cannot change", recovery: "start a new instance") {
            try l.decide(.workflowComplete(id: id, result: nil))
        }
        expectError(.invalidTransition, "workflow '\(id)' is failed and cannot change") {
            try l.decide(.workflowStep(id: id, step: "estimate", status: .started, output: nil, error: nil))
        }
    }

    @Test func workflowStatusCompleteAndCancel() throws {
        var l = Ledger()
        let stream = StreamID(.workflow, "deploy_001")
        let start = try l.decide(.workflowStart(workflow: "deploy", id: "deploy_001", params: .object([]), steps: []))
        var expected = WorkflowState(
            id: "deploy_001", workflow: "deploy", params: .object([]), steps: [], startedAt: t(0), updatedAt: t(0), revision: 1)
        #expect(l.fold(start.events[0], seq: 1, rev: 1, valid: t(0)) == .workflow(expected))

        let status = try l.decide(.workflowStatus(id: "deploy_001", status: .running, progress: 0.5))
        #expect(
            status
                == Decider.Decision(
                    events: [EventDraft(stream, .workflowStatusChanged(status: .running, progress: 0.5))],
                    ack: .su("deploy_001", "running", 0.5)))
        expected.progress = 0.5
        expected.updatedAt = t(1)
        expected.revision = 2
        #expect(l.fold(status.events[0], seq: 2, rev: 2, valid: t(1)) == .workflow(expected))

        let complete = try l.decide(.workflowComplete(id: "deploy_001", result: "ok"))
        #expect(
            complete
                == Decider.Decision(events: [EventDraft(stream, .workflowCompleted(result: "ok"))], ack: .su("deploy_001", "completed", 1)))
        expected.status = .completed
        expected.progress = 1
        expected.result = "ok"
        expected.updatedAt = t(2)
        expected.revision = 3
        #expect(l.fold(complete.events[0], seq: 3, rev: 3, valid: t(2)) == .workflow(expected))
        expectError(.invalidTransition, "workflow 'deploy_001' is completed and cannot change") {
            try l.decide(.workflowCancel(id: "deploy_001", reason: "late"))
        }

        // su:…|done on a workflow: completed, progress 1 whatever was reported.
        var m = Ledger()
        _ = m.fold(
            try m.decide(.workflowStart(workflow: "deploy", id: "deploy_002", params: .object([]), steps: [])).events[0], seq: 1, rev: 1,
            valid: t(0))
        let done = try m.decide(.workflowStatus(id: "deploy_002", status: .completed, progress: 0.2))
        #expect(done.ack == .su("deploy_002", "completed", 1))
        var expectedDone = WorkflowState(
            id: "deploy_002", workflow: "deploy", params: .object([]), status: .completed, progress: 1, steps: [], startedAt: t(0),
            updatedAt: t(1), revision: 2)
        #expect(m.fold(done.events[0], seq: 2, rev: 2, valid: t(1)) == .workflow(expectedDone))

        var n = Ledger()
        _ = n.fold(
            try n.decide(.workflowStart(workflow: "deploy", id: "deploy_003", params: .object([]), steps: ["a"])).events[0], seq: 1, rev: 1,
            valid: t(0))
        let cancel = try n.decide(.workflowCancel(id: "deploy_003", reason: "scope changed"))
        #expect(
            cancel
                == Decider.Decision(
                    events: [EventDraft(StreamID(.workflow, "deploy_003"), .workflowCancelled(reason: "scope changed"))],
                    ack: .su("deploy_003", "cancelled", 0)))
        expectedDone = WorkflowState(
            id: "deploy_003", workflow: "deploy", params: .object([]), status: .cancelled, progress: 0, steps: [.init(name: "a")],
            cancelReason: "scope changed", startedAt: t(0), updatedAt: t(5), revision: 2)
        #expect(n.fold(cancel.events[0], seq: 2, rev: 2, valid: t(5)) == .workflow(expectedDone))
    }

    // MARK: - Contexts and retractions

    @Test func contextSummaryAndLoad() throws {
        var l = Ledger()
        let summary = try l.decide(.contextSummary(id: "conversation_123", summary: "Summary: Discussed auth implementation..."))
        #expect(
            summary
                == Decider.Decision(
                    events: [
                        EventDraft(
                            StreamID(.context, "conversation_123"), .contextSummarized(summary: "Summary: Discussed auth implementation...")
                        )
                    ],
                    ack: .cl("conversation_123", "Summary: Discussed auth implementation...")))
        #expect(
            l.fold(summary.events[0], seq: 1, rev: 1, valid: t(0))
                == .context(id: "conversation_123", summary: "Summary: Discussed auth implementation...", revision: 1))

        let load = try l.decide(.contextLoad(contextID: "conversation_123", depth: .summary))
        #expect(load == Decider.Decision(events: [], ack: .cl("conversation_123", "Summary: Discussed auth implementation...")))

        let created = spec("User Authentication System", "business_growth", .high, id: "user_authentication_system_001")
        _ = l.fold(try l.decide(.taskCreate(created)).events[0], seq: 2, rev: 1, valid: t(1))
        #expect(
            try l.decide(.contextLoad(contextID: "user_authentication_system_001", depth: .summary)).ack
                == .cl(
                    "user_authentication_system_001",
                    "task User Authentication System: pending, progress 0, intent business_growth, complexity high, confidence 0.6, routing guided"
                ))
        let full = try l.decide(.contextLoad(contextID: "task/user_authentication_system_001", depth: .full))
        #expect(
            full.ack.fields.last?.value.jsonString
                == #"{"id":"user_authentication_system_001","title":"User Authentication System","status":"pending","progress":0,"intent":"business_growth","complexity":"high","confidence":0.6,"routing":"guided","keywords":[],"patterns":[],"related":[],"children":[],"created_at":"2025-06-01T10:00:01Z","updated_at":"2025-06-01T10:00:01Z","revision":1}"#
        )
    }

    @Test func retraction() throws {
        var s = DecisionState()
        s.retractionTarget = .init(stream: StreamID(.memory, "theme"), isRetraction: false, alreadyRetracted: false)
        let d = try Decider().decide(.eventRetract(seq: 12, reason: "wrong key"), given: s)
        #expect(
            d
                == Decider.Decision(
                    events: [EventDraft(StreamID(.memory, "theme"), .eventRetracted(seq: 12, reason: "wrong key"))],
                    ack: .su("event/12", "retracted", 1)))

        s.retractionTarget = .init(stream: StreamID(.memory, "theme"), isRetraction: true, alreadyRetracted: false)
        expectError(.invalidTransition, "seq 12 is itself a retraction and cannot be retracted") {
            try Decider().decide(.eventRetract(seq: 12, reason: "x"), given: s)
        }
        s.retractionTarget = .init(stream: StreamID(.memory, "theme"), isRetraction: false, alreadyRetracted: true)
        expectError(.invalidTransition, "seq 12 is already retracted") {
            try Decider().decide(.eventRetract(seq: 12, reason: "x"), given: s)
        }
    }

    // MARK: - Conflicts

    @Test func expectedRevision() throws {
        var l = Ledger()
        let stream = StreamID(.task, "t_001")
        _ = l.fold(try l.decide(.taskCreate(spec("T", "i", .low, id: "t_001"))).events[0], seq: 1, rev: 1, valid: t(0))
        _ = l.fold(try l.decide(.taskStatus(id: "t_001", status: .inProgress, progress: 0.1)).events[0], seq: 2, rev: 2, valid: t(1))
        _ = l.fold(try l.decide(.taskStatus(id: "t_001", status: .inProgress, progress: 0.2)).events[0], seq: 3, rev: 3, valid: t(2))
        #expect(l.state.revision(stream) == 3)

        expectError(.conflict, "task/t_001 is at revision 3, not 5", recovery: "read task/t_001 again and retry with rev=3") {
            try l.decide(.taskStatus(id: "t_001", status: .inProgress, progress: 0.3), Envelope(expectedRevision: 5))
        }
        expectError(.conflict, "task/t_001 is at revision 3, not 2") {
            try l.decide(
                .taskUpdate(
                    id: "t_001",
                    changes: {
                        var c = TaskChanges(); c.title = "U"; return c
                    }()), Envelope(expectedRevision: 2))
        }
        #expect(
            try l.decide(.taskStatus(id: "t_001", status: .inProgress, progress: 0.3), Envelope(expectedRevision: 3)).ack
                == .su("t_001", "in_progress", 0.3))

        // rev=0: the stream must not exist yet.
        #expect(
            try l.decide(
                .memoryStore(key: "fresh", value: "v", type: "semantic", category: nil, significance: nil), Envelope(expectedRevision: 0)
            ).ack == .su("memory/fresh", "stored", version: 1))
        expectError(.conflict, "memory/fresh is at revision 0, not 1") {
            try l.decide(
                .memoryStore(key: "fresh", value: "v", type: "semantic", category: nil, significance: nil), Envelope(expectedRevision: 1))
        }
        expectError(.conflict, "task/t_001 is at revision 3, not 0") {
            try l.decide(.taskCreate(spec("T", "i", .low, id: "t_001")), Envelope(expectedRevision: 0))
        }
    }

    @Test func createTwiceIsAConflict() throws {
        var l = Ledger()
        _ = l.fold(try l.decide(.taskCreate(spec("T", "i", .low, id: "t_001"))).events[0], seq: 1, rev: 1, valid: t(0))
        _ = l.fold(
            try l.decide(.workflowStart(workflow: "w", id: "w_001", params: .object([]), steps: [])).events[0], seq: 2, rev: 1, valid: t(0))
        expectError(.conflict, "task 't_001' already exists", recovery: "choose another id or update the task") {
            try l.decide(.taskCreate(spec("Again", "i", .low, id: "t_001")))
        }
        expectError(.conflict, "workflow instance 'w_001' already exists") {
            try l.decide(.workflowStart(workflow: "w", id: "w_001", params: .object([]), steps: []))
        }
        expectError(.conflict, "task 't_001' already exists", recovery: "choose another id for the child") {
            try l.decide(.taskSplit(id: "t_001", confidence: 0.3, reason: "r", into: [spec("Child", "i", .low, id: "t_001")]))
        }
        // Two children with one id would create one stream twice.
        expectError(.conflict, "task 'c_001' already exists") {
            try l.decide(
                .taskSplit(
                    id: "t_001", confidence: 0.3, reason: "r", into: [spec("A", "i", .low, id: "c_001"), spec("B", "i", .low, id: "c_001")])
            )
        }
    }

    // MARK: - Not found

    static let missing: [(Command, String)] = [
        (
            .taskUpdate(
                id: "ghost_001",
                changes: {
                    var c = TaskChanges(); c.title = "x"; return c
                }()), "task 'ghost_001' does not exist"
        ),
        (.taskSplit(id: "ghost_001", confidence: 0.3, reason: "r", into: []), "task 'ghost_001' does not exist"),
        (.taskRoute(id: "ghost_001", confidence: 0.3, routing: "split"), "task 'ghost_001' does not exist"),
        (.taskStatus(id: "ghost_001", status: .inProgress, progress: nil), "task 'ghost_001' does not exist"),
        (.taskComplete(id: "ghost_001", result: nil, nextSteps: []), "task 'ghost_001' does not exist"),
        (.taskCancel(id: "ghost_001", reason: ""), "task 'ghost_001' does not exist"),
        (.taskRelate(id: "ghost_001", related: ["a_001"]), "task 'ghost_001' does not exist"),
        (.taskCreate(spec("Child", "i", .low, id: "child_001") { $0.parent = "ghost_001" }), "parent task 'ghost_001' does not exist"),
        (.taskSplit(id: nil, confidence: 0.3, reason: "r", into: []), "ts:auto names no task: none was created earlier on this input"),
        (.memoryForget(key: "never_stored"), "memory key 'never_stored' does not exist"),
        (
            .workflowStep(id: "ghost_wf", step: "s", status: .started, output: nil, error: nil),
            "workflow instance 'ghost_wf' does not exist"
        ),
        (.workflowComplete(id: "ghost_wf", result: nil), "workflow instance 'ghost_wf' does not exist"),
        (.workflowCancel(id: "ghost_wf", reason: nil), "workflow instance 'ghost_wf' does not exist"),
        (.workflowStatus(id: "ghost_wf", status: .running, progress: 0.5), "workflow instance 'ghost_wf' does not exist"),
        (.statusReport(entity: "ghost_001", status: "done", progress: 1), "task or workflow 'ghost_001' does not exist"),
        (.eventRetract(seq: 99, reason: "r"), "no event at seq 99"),
        (.contextLoad(contextID: "nothing_here", depth: .summary), "context 'nothing_here' does not exist"),
        (.contextLoad(contextID: "contexts/agents/dev/none.yaml", depth: .full), "context 'contexts/agents/dev/none.yaml' does not exist"),
    ]

    @Test(arguments: missing)
    func notFound(_ command: Command, _ message: String) {
        expectError(.notFound, message) { try Decider().decide(command, given: DecisionState()) }
    }

    // MARK: - Routing

    static let routes: [(Double, Complexity, String)] = [
        (0, .low, "split"), (0.49, .low, "split"), (0.5, .low, "guided"), (0.69, .low, "guided"), (0.7, .low, "one_shot"),
        (1, .low, "one_shot"),
        (0.3, .medium, "split"), (0.5, .medium, "guided"), (0.79, .medium, "guided"), (0.8, .medium, "one_shot"),
        (0.499, .high, "split"), (0.6, .high, "guided"), (0.89, .high, "guided"), (0.9, .high, "one_shot"), (0.95, .high, "one_shot"),
    ]

    @Test(arguments: routes)
    func route(_ confidence: Double, _ complexity: Complexity, _ expected: String) {
        #expect(RoutingPolicy.builtIn.route(confidence: confidence, complexity: complexity) == expected)
    }

    @Test func routingDefaultsAndCustomPolicy() {
        let p = RoutingPolicy.builtIn
        #expect([Complexity.low, .medium, .high].map { p.confidence(for: $0) } == [0.9, 0.75, 0.6])
        #expect(
            [Complexity.low, .medium, .high].map { p.route(confidence: p.confidence(for: $0), complexity: $0) } == [
                "one_shot", "guided", "guided",
            ])

        let custom = RoutingPolicy(defaultConfidence: [.low: 0.4], oneShotMin: [.low: 0.5], splitBelow: 0.2)
        #expect(custom.confidence(for: .low) == 0.4)
        #expect(custom.confidence(for: .high) == 0.5)  // missing: 0.5
        #expect(custom.route(confidence: 0.19, complexity: .low) == "split")
        #expect(custom.route(confidence: 0.2, complexity: .low) == "guided")
        #expect(custom.route(confidence: 0.5, complexity: .low) == "one_shot")
        #expect(custom.route(confidence: 0.99, complexity: .high) == "guided")  // missing threshold: 1
        #expect(custom.route(confidence: 1, complexity: .high) == "one_shot")

        // The decider routes with its policy.
        let d = try? Decider(routing: custom).decide(.taskCreate(spec("T", "i", .low, id: "t_001")), given: DecisionState())
        #expect(d?.ack == .tr("t_001", 0.4, "guided"))
    }

    // MARK: - Ids

    static let slugs: [(String, String)] = [
        ("User Authentication System", "user_authentication_system"),
        ("  Hello,   World!! ", "hello_world"),
        ("Build v2.0 API", "build_v2_0_api"),
        ("already_snake_case", "already_snake_case"),
        ("CamelCaseTitle", "camelcasetitle"),
        ("Café crème", "caf_cr_me"),
        ("日本語", "task"),
        ("!!!", "task"),
        ("", "task"),
        (String(repeating: "a", count: 50), String(repeating: "a", count: 40)),
        ("Implement the new user authentication system now", "implement_the_new_user_authentication_sy"),
        (String(repeating: "a", count: 39) + " b", String(repeating: "a", count: 39)),
        ("../../etc/passwd", "etc_passwd"),
    ]

    @Test(arguments: slugs)
    func slug(_ title: String, _ expected: String) {
        let s = Identifier.slug(title)
        #expect(s == expected)
        #expect(s.utf8.count <= 40)
        #expect(Identifier.isValid(Identifier.numbered(s, 1)))
    }

    @Test func numbered() {
        #expect(Identifier.numbered("user_authentication_system", 1) == "user_authentication_system_001")
        #expect(Identifier.numbered("x", 42) == "x_042")
        #expect(Identifier.numbered("x", 999) == "x_999")
        #expect(Identifier.numbered("x", 1000) == "x_1000")
        #expect(Identifier.slug("project_planning", fallback: "workflow") == "project_planning")
        #expect(Identifier.slug("???", fallback: "workflow") == "workflow")
    }

    @Test func allocator() {
        let slug = Identifier.slug("User Authentication System")
        let none: (String) -> Bool = { _ in false }
        var a = IDAllocator()
        #expect(a.next(slug, exists: none) == "user_authentication_system_001")
        // `next` is pure: the counter moves only once the id is observed (its entity recorded).
        #expect(a.next(slug, exists: none) == "user_authentication_system_001")
        a.observe("user_authentication_system_001")
        #expect(a.next(slug, exists: none) == "user_authentication_system_002")
        #expect(a.next("other", exists: none) == "other_001")

        // Ids already taken are skipped.
        var b = IDAllocator()
        let taken: Set = ["foo_001", "foo_002", "foo_004"]
        #expect(b.next("foo", exists: taken.contains) == "foo_003")
        b.observe("foo_003")
        #expect(b.next("foo", exists: taken.contains) == "foo_005")
        #expect(b.counters == ["foo": 3])

        // Observed ids (explicit or read from the log) move the counter past them, never back.
        var c = IDAllocator()
        c.observe("foo_007")
        c.observe("foo_003")
        c.observe("foo_1")  // fewer than three digits: not a counter
        c.observe("bar")
        c.observe("baz_0012")
        c.observe("qux_1234567890")  // more than nine digits: not a counter
        #expect(c.counters == ["foo": 7, "baz": 12])
        #expect(c.next("foo", exists: none) == "foo_008")
        #expect(c.next("baz", exists: none) == "baz_013")
        #expect(c.next("bar", exists: none) == "bar_001")
        // The same observations in any order give the same allocator: ids are a function of the log.
        var d = IDAllocator()
        for id in ["qux_1234567890", "baz_0012", "bar", "foo_1", "foo_003", "foo_007"] { d.observe(id) }
        #expect(c == d)
    }

    @Test(arguments: [
        ("a", true), ("A1", true), ("auth_impl_001", true), ("a.b-c_d", true), ("0", true),
        (String(repeating: "x", count: 128), true), (String(repeating: "x", count: 129), false),
        ("", false), ("_a", false), (".hidden", false), ("-x", false), ("a b", false), ("a/b", false), ("a:b", false),
        ("../x", false), ("a\u{0}", false), ("a\n", false), ("é", false), ("a*", false), ("a${b}", false),
    ])
    func identifier(_ id: String, _ valid: Bool) {
        #expect(Identifier.isValid(id) == valid)
    }

    @Test(arguments: [
        ("contexts/agents/dev/backend_tasks.yaml", true), ("a", true), ("a/b", true),
        ("/etc/passwd", false), ("a//b", false), ("a/", false), ("../a", false), ("a/../b", false), ("a/./b", false), ("", false),
    ])
    func contextPath(_ path: String, _ valid: Bool) {
        #expect(Identifier.isValidPath(path) == valid)
    }
}

/// The README's table of task statuses is the code's state machine, row by row.
@Test func theReadmeTableIsTheStateMachine() throws {
    let readme = try String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
    for (from, next) in TaskStatus.moves {
        let row = "| `\(from.rawValue)` | " + (next.isEmpty ? "(final)" : next.map { "`\($0.rawValue)`" }.joined(separator: ", ")) + " |"
        #expect(readme.contains(row + "\n"), "README lacks: \(row)")
    }
}
