public import ChronicleCore

/// The appender's in-memory view of the log: the revision and current state of the streams it
/// needs, the retracted positions among them, the id counters and the context-cascade paths.
///
/// Opened ``Opening/lazily`` (the default), it reads the log's newest event and nothing else: a
/// stream is loaded from the log (one indexed read and a fold of that stream) the first time a
/// command touches it, an id slug's counter is read from the creations index the first time an
/// id is made from it, and a context path's tasks come from the `context_paths` table. Opened
/// ``Opening/byFoldingEverything``, it folds every event of the log at once, as it always did:
/// the reference the tests compare the lazy view with. Both give the same decisions and acks.
///
/// Either way it is kept up to date event by event (this process's events and the ones other
/// processes appended); a late-arriving event or a retraction re-folds just the stream it
/// touches.
public final class LiveState {
    /// How a view is opened on a log that already holds events.
    public enum Opening: Sendable {
        /// Read the newest event only; load the rest as commands need it.
        /// - Complexity: O(1) at open; O(events of a stream) the first time it is touched.
        case lazily
        /// Fold every event of the log at open.
        /// - Complexity: O(events in the log) at open, and memory for every stream.
        case byFoldingEverything
    }

    /// A loaded stream: its revision and its ``StreamFold``.
    public struct StreamState {
        public var revision = 0
        public var fold = StreamFold()
    }

    /// The streams loaded so far, each with every event applied: all the log's streams when
    /// ``isComplete``.
    public private(set) var streams: [StreamID: StreamState] = [:]
    /// Whether ``streams`` holds every stream of the log (it was folded whole, or was empty at
    /// open): then nothing is looked up in the log.
    public private(set) var isComplete = true
    /// Streams looked up in the log and found to have no event yet (when not complete).
    private var absent: Set<StreamID> = []
    /// The slugs whose counter was read from the log, per kind (when not complete).
    private var countedSlugs: [EntityKind: Set<String>] = [:]
    /// Positions retracted by the retractions of the loaded streams and of every event applied.
    public private(set) var retracted: Set<Int64> = []
    public private(set) var lastSeq: Int64 = 0
    public private(set) var lastRecordedAt: Timestamp?
    public internal(set) var lastHash: [UInt8] = HashChain.genesis
    public private(set) var taskIDs = IDAllocator()
    public private(set) var workflowIDs = IDAllocator()
    /// Context-cascade path → every task that named it at some valid time (readers filter), in
    /// the events applied; when not complete, the log's `context_paths` table has the others.
    public private(set) var cascade: [String: Set<String>] = [:]
    /// The full event lists of the streams that late events touched last, so that a run of late
    /// events on one stream reads it from the log once, not once per event. Bounded.
    private var recentStreams = StreamEventCache(capacity: 512)

    /// An empty view, to which every event of a log is then applied from the first.
    public init() {}

    /// A view of the log as `tx` sees it.
    /// - Complexity: O(1) ``Opening/lazily``, O(events in the log) ``Opening/byFoldingEverything``.
    public init(_ opening: Opening, _ tx: LogTransaction) throws {
        guard let tail = try tx.tail() else { return }
        switch opening {
        case .byFoldingEverything:
            for e in try tx.events(after: 0) { try apply(e, in: tx) }
        case .lazily:
            isComplete = false
            lastSeq = tail.seq
            lastRecordedAt = tail.recordedAt
        }
        lastHash = tail.hash
    }

    /// The revision of `stream` (0 when it has no event).
    public func revision(_ stream: StreamID, in tx: LogTransaction) throws -> Int {
        try state(of: stream, tx)?.revision ?? 0
    }

    /// Whether `stream` has an event.
    public func exists(_ stream: StreamID, in tx: LogTransaction) throws -> Bool { try state(of: stream, tx) != nil }

    /// The stream's state, loaded from the log on first use when the view is not complete.
    func state(of stream: StreamID, _ tx: LogTransaction) throws -> StreamState? {
        if let st = streams[stream] { return st }
        if isComplete || absent.contains(stream) { return nil }
        // No event of this process is on an unloaded stream: what the log committed is all of it.
        let events = try tx.events(stream: stream, committedOnly: true).filter { $0.seq <= lastSeq }
        guard let last = events.last else {
            absent.insert(stream)
            return nil
        }
        recentStreams.insert(stream, events)
        for e in events { if case .eventRetracted(let seq, _) = e.event { retracted.insert(seq) } }
        var st = StreamState()
        st.revision = last.streamRevision
        try refold(&st, stream, upTo: last.seq, now: last.recordedAt, tx)
        streams[stream] = st
        return st
    }

    /// The next free id `<slug>_<n>` for an entity of `kind` (task or workflow); `taken` names
    /// ids already given to other entities of the same command.
    public func nextID(_ kind: EntityKind, slug: String, in tx: LogTransaction, taken: (String) -> Bool) throws
        -> String
    {
        if !isComplete, countedSlugs[kind]?.contains(slug) != true {
            if let n = try tx.highestCounter(of: kind, slug: slug) {
                if kind == .task { taskIDs.observe(slug: slug, counter: n) } else { workflowIDs.observe(slug: slug, counter: n) }
            }
            countedSlugs[kind, default: []].insert(slug)
        }
        let allocator = kind == .task ? taskIDs : workflowIDs
        return try allocator.next(slug) { id in try taken(id) || exists(StreamID(kind, id), in: tx) }
    }

    /// Every task that named the context-cascade path `path` at some valid time (a superset of
    /// those that name it at any one time: readers filter).
    public func tasksNaming(contextPath path: String, in tx: LogTransaction) throws -> Set<String> {
        var tasks = cascade[path] ?? []
        if !isComplete { tasks.formUnion(try tx.tasksNaming(contextPath: path)) }
        return tasks
    }

    /// The state of `stream` as of valid time `validAt`, as known now.
    /// - Complexity: O(1) when `validAt` is at or after the stream's newest valid time (the usual
    ///   case); otherwise one read and fold of the stream's events.
    public func entity(_ stream: StreamID, asOf validAt: Timestamp, in tx: LogTransaction) throws -> Entity? {
        guard let st = try state(of: stream, tx) else { return nil }
        return try entity(of: st, stream, asOf: validAt, in: tx)
    }

    func entity(of st: StreamState, _ stream: StreamID, asOf validAt: Timestamp, in tx: LogTransaction) throws -> Entity? {
        if case .state(let entity) = st.fold.state(asOf: validAt) { return entity }
        return Fold.state(of: try events(of: stream, tx).filter { $0.validFrom <= validAt }, retracted: retracted)
    }

    /// Folds one newly recorded event (this process's or another's) into the view.
    public func apply(_ e: RecordedEvent, in tx: LogTransaction) throws {
        lastSeq = e.seq
        lastRecordedAt = e.recordedAt
        recentStreams.append(e)
        if case .eventRetracted(let seq, _) = e.event { retracted.insert(seq) }
        // A stream not loaded (nor known to be empty) stays so: it is read from the log, this
        // event included, when a command first needs it.
        if isComplete || streams[e.stream] != nil || absent.remove(e.stream) != nil {
            // In place: one lookup, and the stream's state is not copied out and back.
            try fold(e, into: &streams[e.stream, default: StreamState()], tx)
        }
        switch e.event {
        case .taskCreated: taskIDs.observe(e.stream.id)
        case .workflowStarted: workflowIDs.observe(e.stream.id)
        default: break
        }
        // The cascade index keeps every path a task's events ever named (a superset: readers
        // filter by the task's state at their valid time).
        if let path = e.event.namedContextPath { cascade[path, default: []].insert(e.stream.id) }
    }

    private func fold(_ e: RecordedEvent, into st: inout StreamState, _ tx: LogTransaction) throws {
        st.revision = e.streamRevision
        if st.fold.canApply(e) {
            st.fold.apply(e)
        } else {
            try refold(&st, e.stream, upTo: e.seq, now: e.recordedAt, tx)
        }
    }

    /// Every event of `stream` applied so far, from the cache or read from the log.
    private func events(of stream: StreamID, _ tx: LogTransaction) throws -> [RecordedEvent] {
        if let cached = recentStreams[stream] { return cached }
        // When catching up, the log may already hold later events of the stream: they are
        // added when they are applied.
        let events = try tx.events(stream: stream).filter { $0.seq <= lastSeq }
        recentStreams.insert(stream, events)
        return events
    }

    /// Re-folds a stream from the log, up to the event being applied (when catching up, later
    /// events of the stream are already in the log but not yet applied), and settles it as of
    /// `now`, the event's recorded time.
    private func refold(_ st: inout StreamState, _ stream: StreamID, upTo seq: Int64, now: Timestamp, _ tx: LogTransaction) throws {
        let events = try self.events(of: stream, tx).filter { $0.seq <= seq }
        st.fold = StreamFold(live: Fold.live(events, retracted: retracted), now: now)
    }
}

/// The event lists of at most `capacity` streams; the oldest entry goes first when full.
struct StreamEventCache {
    let capacity: Int
    private var lists: [StreamID: [RecordedEvent]] = [:]
    private var order: [StreamID] = []
    private var next = 0

    init(capacity: Int) { self.capacity = capacity }

    subscript(stream: StreamID) -> [RecordedEvent]? { lists[stream] }

    mutating func insert(_ stream: StreamID, _ events: [RecordedEvent]) {
        if lists[stream] == nil {
            if order.count < capacity {
                order.append(stream)
            } else {
                lists[order[next]] = nil
                order[next] = stream
                next = (next + 1) % capacity
            }
        }
        lists[stream] = events
    }

    /// Adds a newly applied event to its stream's list, if that stream is cached.
    mutating func append(_ e: RecordedEvent) {
        guard lists[e.stream] != nil else { return }
        lists[e.stream]!.append(e)
    }
}
