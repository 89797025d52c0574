import Testing

@testable import ChronicleCore

/// `verify`'s warnings agree with the decider: for every command on a stream in every state, the
/// event the command makes looks impossible after that state exactly when the decider refuses
/// the command against it.
@Suite struct ImpossibleTests {
    static let t0 = Timestamp(microseconds: 1_748_772_000_000_000)

    /// The states a stream can be in before a command: none, and each status of its kind.
    static func states(_ kind: EntityKind) -> [Entity?] {
        switch kind {
        case .task:
            return [nil]
                + TaskStatus.allCases.map { status in
                    var t = TaskState(
                        id: "a", title: "A", intent: "feature", complexity: .low, confidence: 0.5, routing: "one_shot", createdAt: t0,
                        revision: 1)
                    t.status = status
                    return .task(t)
                }
        case .workflow:
            return [nil]
                + WorkflowStatus.allCases.map { status in
                    var w = WorkflowState(
                        id: "a", workflow: "deploy", params: .object([]), steps: [], startedAt: t0, updatedAt: t0, revision: 1)
                    w.status = status
                    return .workflow(w)
                }
        case .memory:
            return [
                nil,
                .memory(
                    MemoryState(
                        key: "a", value: .string("v"), type: "semantic", category: nil, significance: nil, version: 1, validFrom: t0,
                        revision: 1)),
            ]
        case .context: return [nil, .context(id: "a", summary: "s", revision: 1)]
        }
    }

    /// Every command on stream `a` of its kind, with the event it makes there when accepted.
    static let commands: [(Command, DomainEvent)] = {
        let spec = TaskSpec(id: "a", title: "A", intent: "feature", complexity: .low)
        var out: [(Command, DomainEvent)] = [
            (.taskCreate(spec), .taskCreated(spec, confidence: 0.5, routing: "one_shot")),
            (.taskUpdate(id: "a", changes: TaskChanges()), .taskUpdated(TaskChanges())),
            (
                .taskSplit(
                    id: "a", confidence: 0.4, reason: "big", into: [TaskSpec(id: "a1", title: "A1", intent: "feature", complexity: .low)]),
                .taskSplitRequested(confidence: 0.4, reason: "big", children: ["a1"])
            ),
            (.taskRoute(id: "a", confidence: 0.7, routing: "one_shot"), .taskRouted(confidence: 0.7, routing: "one_shot")),
            (.taskComplete(id: "a", result: .null, nextSteps: .null), .taskCompleted(result: .null, nextSteps: .null)),
            (.taskCancel(id: "a", reason: "r"), .taskCancelled(reason: "r")),
            (.taskRelate(id: "a", related: ["b"]), .taskRelated(related: ["b"])),
            (
                .memoryStore(key: "a", value: .string("w"), type: "semantic", category: nil, significance: nil),
                .memoryStored(value: .string("w"), type: "semantic", category: nil, significance: nil)
            ),
            (.memoryForget(key: "a"), .memoryForgotten),
            (
                .workflowStart(workflow: "deploy", id: "a", params: .object([]), steps: []),
                .workflowStarted(workflow: "deploy", params: .object([]), steps: [])
            ),
            (.workflowComplete(id: "a", result: nil), .workflowCompleted(result: nil)),
            (.workflowCancel(id: "a", reason: nil), .workflowCancelled(reason: nil)),
            (.contextSummary(id: "a", summary: "s"), .contextSummarized(summary: "s")),
        ]
        for s in TaskStatus.allCases {
            out.append((.taskStatus(id: "a", status: s, progress: 0.5), .taskStatusChanged(status: s, progress: 0.5)))
        }
        for s in WorkflowStatus.allCases {
            out.append((.workflowStatus(id: "a", status: s, progress: 0.5), .workflowStatusChanged(status: s, progress: 0.5)))
        }
        for s in StepStatus.allCases {
            out.append(
                (
                    .workflowStep(id: "a", step: "build", status: s, output: nil, error: nil),
                    .workflowStepRecorded(step: "build", status: s, output: nil, error: nil)
                ))
        }
        return out
    }()

    @Test func aWarningIsExactlyWhatTheDeciderRefuses() throws {
        var checked = 0, refused = 0
        for (command, event) in Self.commands {
            let stream = try #require(command.primaryStream)
            for state in Self.states(stream.kind) {
                var given = DecisionState()
                if let state { given.entities[stream] = state }
                given.revisions[stream] = state == nil ? 0 : 1
                let accepted: Bool
                do {
                    let decision = try Decider().decide(command, given: given)
                    #expect(decision.events.first { $0.stream == stream }?.event.type == event.type)
                    accepted = true
                } catch {
                    accepted = false
                }
                let e = RecordedEvent(
                    seq: 2, stream: stream, streamRevision: 2, validFrom: Self.t0, recordedAt: Self.t0, commandID: "c", event: event)
                let reason = Impossible.reason(for: e, after: state)
                #expect(
                    accepted == (reason == nil),
                    "\(command) after \(String(describing: state)): decider \(accepted ? "accepts" : "refuses"), reason \(reason ?? "none")"
                )
                checked += 1
                if !accepted { refused += 1 }
            }
        }
        #expect(checked > 100 && refused > 30)
    }
}
