import ChronicleCore

/// A deterministic stream of `chronicle append` input lines, coded and JSON, every one of which
/// is valid in sequence on an empty log (so every ack is a success).
///
/// Per 1,000 lines, on average: 50 `tc:` (unique titles, ids `title_<n>_001`), 50 JSON
/// `task.create` with explicit ids (`t<n>`), 300 `su:` on tasks, 20 JSON `task.status`, 50 JSON
/// `task.update` (keywords), 400 `ms:` over ``memoryKeys`` keys (plain text, relaxed JSON objects
/// and arrays, ~1% over 512 bytes so that LZ4 is used), 50 JSON `memory.store`, 20 `wf:`, 20 `su:`
/// on workflow instances and 40 `cl:` queries (no event). A line that needs a target which
/// does not exist yet (early in the stream) creates one instead.
struct CommandMix {
    enum Kind: String, CaseIterable {
        case codedCreate = "tc:"
        case jsonCreate = "task.create"
        case codedTaskStatus = "su: (task)"
        case jsonTaskStatus = "task.status"
        case jsonTaskUpdate = "task.update"
        case codedMemory = "ms:"
        case jsonMemory = "memory.store"
        case workflowStart = "wf:"
        case workflowStatus = "su: (workflow)"
        case contextLoad = "cl:"

        /// Lines of this kind per 1,000.
        var weight: Int {
            switch self {
            case .codedCreate, .jsonCreate, .jsonTaskUpdate, .jsonMemory: 50
            case .codedTaskStatus: 300
            case .jsonTaskStatus, .workflowStart, .workflowStatus: 20
            case .codedMemory: 400
            case .contextLoad: 40
            }
        }

        /// Whether a line of this kind appends an event (`cl:` is a query).
        var appendsEvent: Bool { self != .contextLoad }
    }

    static let memoryKeys = 1_000
    static let intents = ["feature", "bugfix", "refactor", "research", "docs", "ops", "intent_7", "intent_8"]
    static let complexities = ["low", "medium", "high"]
    static let workflowNames = ["project_planning", "deploy", "code_review", "release_train", "onboarding"]
    static let memoryTypes = ["semantic", "semantic", "semantic", "episodic", "procedural"]
    static let keywords = ["auth", "api", "db", "ui", "perf", "cache", "redis", "yaml", "sync", "search"]

    private var random: SeededGenerator
    private var tasks: [String] = []
    private var workflows: [String] = []
    private var workflowCounters: [String: Int] = [:]
    private var storedKeys: [Bool] = Array(repeating: false, count: CommandMix.memoryKeys)
    private var storedKeyList: [Int] = []
    private var nextTitle = 1
    private var nextExplicitTask = 1
    /// How many lines of each kind were made.
    private(set) var counts: [Kind: Int] = [:]
    /// Lines made so far.
    private(set) var lines = 0
    /// Lines made so far that append an event.
    private(set) var eventLines = 0
    /// Distinct streams (tasks, memory keys, workflow instances) the lines so far create.
    var streams: Int { tasks.count + storedKeyList.count + workflows.count }

    private let table: [Kind]

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
        table = Kind.allCases.flatMap { Array(repeating: $0, count: $0.weight) }
    }

    /// The next input line, without its newline.
    mutating func next() -> String {
        var kind = table[random.below(table.count)]
        switch kind {
        case .codedTaskStatus, .jsonTaskStatus, .jsonTaskUpdate:
            if tasks.isEmpty { kind = .codedCreate }
        case .workflowStatus:
            if workflows.isEmpty { kind = .workflowStart }
        case .contextLoad:
            if tasks.isEmpty || storedKeyList.isEmpty || workflows.isEmpty { kind = .codedMemory }
        default:
            break
        }
        counts[kind, default: 0] += 1
        lines += 1
        if kind.appendsEvent { eventLines += 1 }
        return line(kind)
    }

    private mutating func line(_ kind: Kind) -> String {
        switch kind {
        case .codedCreate:
            let title = "Title \(nextTitle)"
            nextTitle += 1
            tasks.append(Identifier.numbered(Identifier.slug(title), 1))
            return "tc:\(title)|\(pick(Self.intents))|\(pick(Self.complexities))"
        case .jsonCreate:
            let id = "t\(nextExplicitTask)"
            nextExplicitTask += 1
            tasks.append(id)
            return
                #"{"cmd":"task.create","id":"\#(id)","title":"Explicit task \#(id)","intent":"\#(pick(Self.intents))","complexity":"\#(pick(Self.complexities))"}"#
        case .codedTaskStatus:
            return "su:\(pick(tasks))|in_progress|\(fraction())"
        case .jsonTaskStatus:
            return #"{"cmd":"task.status","id":"\#(pick(tasks))","status":"in_progress","progress":\#(fraction())}"#
        case .jsonTaskUpdate:
            let a = pick(Self.keywords), b = pick(Self.keywords)
            return #"{"cmd":"task.update","id":"\#(pick(tasks))","set":{"keywords":["\#(a)","\#(b)"]}}"#
        case .codedMemory:
            return "ms:\(storeKey())|\(memoryValue())|\(pick(Self.memoryTypes))"
        case .jsonMemory:
            let n = random.below(1_000)
            return
                #"{"cmd":"memory.store","key":"\#(storeKey())","value":{"theme":"dark","n":\#(n),"tags":["a","b"]},"type":"\#(pick(Self.memoryTypes))"}"#
        case .workflowStart:
            let name = pick(Self.workflowNames)
            let n = workflowCounters[name, default: 0] + 1
            workflowCounters[name] = n
            workflows.append(Identifier.numbered(Identifier.slug(name, fallback: "workflow"), n))
            return "wf:\(name)|{a:\(random.below(100)),scope:'web,mobile'}"
        case .workflowStatus:
            return "su:\(pick(workflows))|running|\(fraction())"
        case .contextLoad:
            switch random.below(10) {
            case 0..<5: return "cl:\(pick(tasks))|summary"
            case 5..<8: return "cl:key_\(storedKeyList[random.below(storedKeyList.count)])|summary"
            default: return "cl:\(pick(workflows))|summary"
            }
        }
    }

    private mutating func pick(_ values: [String]) -> String { values[random.below(values.count)] }

    /// `0.NN`.
    private mutating func fraction() -> String {
        let n = random.below(100)
        return n < 10 ? "0.0\(n)" : "0.\(n)"
    }

    private mutating func storeKey() -> String {
        let k = random.below(Self.memoryKeys)
        if !storedKeys[k] {
            storedKeys[k] = true
            storedKeyList.append(k)
        }
        return "key_\(k)"
    }

    private mutating func memoryValue() -> String {
        switch random.below(100) {
        case 0: return "long value " + String(repeating: "lorem ipsum dolor sit amet ", count: 24) + "\(random.below(1_000_000))"
        case 1..<21: return "{theme:'dark',n:\(random.below(1_000)),flags:[true,false]}"
        case 21..<31: return "[1,2,'x',\(random.below(1_000))]"
        default: return "value \(random.below(1_000_000))"
        }
    }
}
