/// The decider of every command: `decide(command, state) → events + ack | error`. Pure and total.
///
/// Invariants it keeps: a task's status only moves along ``TaskStatus/canMove(to:)``; an entity
/// is created once; an expected revision must match; a command on something that does not exist
/// (as of its valid time) is `not_found`. It never reads a clock or makes an id: ids arrive resolved.
public struct Decider: Sendable {
    public var routing: RoutingPolicy

    public init(routing: RoutingPolicy = .builtIn) { self.routing = routing }

    public struct Decision: Sendable, Equatable {
        public var events: [EventDraft]
        public var ack: Ack
    }

    public func decide(_ command: Command, _ envelope: Envelope = Envelope(), given s: DecisionState) throws(CommandError) -> Decision {
        if let expected = envelope.expectedRevision, let stream = command.primaryStream, s.revision(stream) != expected {
            throw CommandError(
                .conflict, "\(stream) is at revision \(s.revision(stream)), not \(expected)",
                recovery: "read \(stream) again and retry with rev=\(s.revision(stream))")
        }
        switch command {
        case .taskCreate(let spec):
            guard let id = spec.id else { throw .parse("task id was not resolved", "report this as a bug") }
            let stream = StreamID(.task, id)
            guard s.revision(stream) == 0 else {
                throw CommandError(.conflict, "task '\(id)' already exists", recovery: "choose another id or update the task")
            }
            if let parent = spec.parent, s.task(parent) == nil { throw .notFound("parent task", parent) }
            let confidence = spec.confidence ?? routing.confidence(for: spec.complexity)
            let route = routing.route(confidence: confidence, complexity: spec.complexity)
            return Decision(
                events: [EventDraft(stream, .taskCreated(spec, confidence: confidence, routing: route))], ack: .tr(id, confidence, route))

        case .taskUpdate(let id, let changes):
            let t = try task(id, s)
            return decision(id, t, .taskUpdated(changes))

        case .taskSplit(let id?, let confidence, let reason, let into):
            let t = try task(id, s)
            try move(t, to: .splitting)
            var events = [
                EventDraft(
                    StreamID(.task, id), .taskSplitRequested(confidence: confidence, reason: reason, children: into.compactMap(\.id)))
            ]
            var seen: Set<String> = [id]
            for child in into {
                guard let cid = child.id else { throw .parse("child task id was not resolved", "report this as a bug") }
                guard s.revision(StreamID(.task, cid)) == 0, seen.insert(cid).inserted else {
                    throw CommandError(.conflict, "task '\(cid)' already exists", recovery: "choose another id for the child")
                }
                let c = child.confidence ?? routing.confidence(for: child.complexity)
                events.append(
                    EventDraft(
                        StreamID(.task, cid),
                        .taskCreated(child, confidence: c, routing: routing.route(confidence: c, complexity: child.complexity))))
            }
            return Decision(events: events, ack: .su(id, TaskStatus.splitting.rawValue, t.progress))
        case .taskSplit(nil, _, _, _):
            throw CommandError(
                .notFound, "ts:auto names no task: none was created earlier on this input",
                recovery: "create a task with tc: first or name the task id")

        case .taskRoute(let id, let confidence, let route):
            _ = try task(id, s)
            return Decision(
                events: [EventDraft(StreamID(.task, id), .taskRouted(confidence: confidence, routing: route))],
                ack: .tr(id, confidence, route))

        case .taskStatus(let id, let status, let progress):
            let t = try task(id, s)
            try move(t, to: status)
            return decision(id, t, .taskStatusChanged(status: status, progress: progress))

        case .taskComplete(let id, let result, let next):
            let t = try task(id, s)
            try move(t, to: .completed)
            return decision(id, t, .taskCompleted(result: result, nextSteps: next))

        case .taskCancel(let id, let reason):
            let t = try task(id, s)
            try move(t, to: .cancelled)
            return decision(id, t, .taskCancelled(reason: reason))

        case .taskRelate(let id, let related):
            let t = try task(id, s)
            return decision(id, t, .taskRelated(related: related))

        case .memoryStore(let key, let value, let type, let category, let significance):
            let version = (s.memory(key)?.version ?? 0) + 1
            return Decision(
                events: [
                    EventDraft(
                        StreamID(.memory, key), .memoryStored(value: value, type: type, category: category, significance: significance))
                ],
                ack: .su("memory/\(key)", "stored", version: version))

        case .memoryForget(let key):
            guard let m = s.memory(key) else { throw .notFound("memory key", key) }
            return Decision(
                events: [EventDraft(StreamID(.memory, key), .memoryForgotten)], ack: .su("memory/\(key)", "forgotten", version: m.version))

        case .workflowStart(let workflow, let id?, let params, let steps):
            let stream = StreamID(.workflow, id)
            guard s.revision(stream) == 0 else {
                throw CommandError(.conflict, "workflow instance '\(id)' already exists", recovery: "choose another instance id")
            }
            return Decision(
                events: [EventDraft(stream, .workflowStarted(workflow: workflow, params: params, steps: steps))],
                ack: .su(id, WorkflowStatus.running.rawValue, 0))
        case .workflowStart:
            throw .parse("workflow instance id was not resolved", "report this as a bug")

        case .workflowStep(let id, let step, let status, let output, let error):
            let w = try openWorkflow(id, s)
            return workflowDecision(w, .workflowStepRecorded(step: step, status: status, output: output, error: error))

        case .workflowComplete(let id, let result):
            let w = try openWorkflow(id, s)
            return workflowDecision(w, .workflowCompleted(result: result))

        case .workflowCancel(let id, let reason):
            let w = try openWorkflow(id, s)
            return workflowDecision(w, .workflowCancelled(reason: reason))

        case .workflowStatus(let id, let status, let progress):
            let w = try openWorkflow(id, s)
            return workflowDecision(w, .workflowStatusChanged(status: status, progress: progress))

        case .statusReport(let entity, _, _):
            throw .notFound("task or workflow", entity)

        case .contextSummary(let id, let summary):
            return Decision(
                events: [EventDraft(StreamID(.context, id), .contextSummarized(summary: summary))], ack: .cl(id, .string(summary)))

        case .eventRetract(let seq, let reason):
            guard let target = s.retractionTarget else {
                throw CommandError(.notFound, "no event at seq \(seq)", recovery: "check the position with chronicle tail")
            }
            // The retraction is appended to its target's stream: an expected revision is that stream's.
            if let expected = envelope.expectedRevision, s.revision(target.stream) != expected {
                throw CommandError(
                    .conflict, "\(target.stream) is at revision \(s.revision(target.stream)), not \(expected)",
                    recovery: "read \(target.stream) again and retry with expected_rev \(s.revision(target.stream))")
            }
            guard !target.isRetraction else {
                throw CommandError(
                    .invalidTransition, "seq \(seq) is itself a retraction and cannot be retracted",
                    recovery: "append the corrected fact as a new command")
            }
            guard !target.alreadyRetracted else {
                throw CommandError(.invalidTransition, "seq \(seq) is already retracted", recovery: "nothing to do")
            }
            return Decision(
                events: [EventDraft(target.stream, .eventRetracted(seq: seq, reason: reason))], ack: .su("event/\(seq)", "retracted", 1))

        case .contextLoad(let id, let depth):
            guard let summary = ContextView.render(id, depth: depth, in: s) else {
                throw CommandError(
                    .notFound, "context '\(CommandError.shown(id))' does not exist",
                    recovery: "load a task, workflow or memory key that exists, or a context path a task names")
            }
            return Decision(events: [], ack: .cl(id, summary))
        }
    }

    private func task(_ id: String, _ s: DecisionState) throws(CommandError) -> TaskState {
        guard let t = s.task(id) else { throw .notFound("task", id) }
        return t
    }

    private func move(_ t: TaskState, to next: TaskStatus) throws(CommandError) {
        guard t.status.canMove(to: next) else {
            throw CommandError(
                .invalidTransition, "task '\(t.id)' cannot go from \(t.status.rawValue) to \(next.rawValue)",
                recovery: t.status.isOpen
                    ? "from \(t.status.rawValue) a task may go to \(t.status.next.map(\.rawValue).joined(separator: ", "))"
                    : "a \(t.status.rawValue) task is final; create a new task")
        }
    }

    private func decision(_ id: String, _ t: TaskState, _ event: DomainEvent) -> Decision {
        let (status, progress) = t.statusAndProgress(after: event)
        return Decision(events: [EventDraft(StreamID(.task, id), event)], ack: .su(id, status.rawValue, progress))
    }

    private func openWorkflow(_ id: String, _ s: DecisionState) throws(CommandError) -> WorkflowState {
        guard let w = s.workflow(id) else { throw .notFound("workflow instance", id) }
        guard w.status.isOpen else {
            throw CommandError(
                .invalidTransition, "workflow '\(id)' is \(w.status.rawValue) and cannot change", recovery: "start a new instance")
        }
        return w
    }

    private func workflowDecision(_ w: WorkflowState, _ event: DomainEvent) -> Decision {
        let (status, progress) = w.statusAndProgress(after: event)
        return Decision(events: [EventDraft(StreamID(.workflow, w.id), event)], ack: .su(w.id, status.rawValue, progress))
    }
}
