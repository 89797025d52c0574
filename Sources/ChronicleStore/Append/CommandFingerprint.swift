internal import ChronicleCore

/// What tells a retried command from a different one under the same id: the first 16 bytes of
/// SHA-256 of the parsed command and its envelope (valid time, expected revision), whatever form
/// the line had. It is only ever compared with the fingerprint stored under the same id, so 128
/// bits leave a chance of 2⁻¹²⁸ that a different command passes for the retry.
///
/// The hashed bytes are the command's fields in a fixed order, each written as it is (texts
/// length-prefixed, numbers as their bits, JSON values as their text with members in key
/// order): a retry whose JSON lists its members in another order is the same command.
enum CommandFingerprint {
    /// Marks the form of the hashed bytes: a fingerprint stored by an older build (a hash of the
    /// command's reflected description) is recognised by ``matches(_:_:_:)``.
    static let form: [UInt8] = Array("chronicle.command.2\n".utf8)

    static func of(_ command: Command, _ envelope: Envelope) -> [UInt8] {
        var digest = full(command, envelope)
        digest.removeLast(SHA256.byteCount - length)
        return digest
    }

    /// Bytes of a fingerprint (16; the builds of version 4 before this stored all 32).
    static let length = 16

    /// The whole SHA-256 of the current form's bytes.
    static func full(_ command: Command, _ envelope: Envelope) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(160)
        w.bytes.append(contentsOf: form)
        w.write(command)
        w.optional(envelope.validAt?.microseconds) { $0.int($1) }
        w.optional(envelope.expectedRevision) { $0.int(Int64($1)) }
        return SHA256.hash(w.bytes)
    }

    /// Whether `stored` is the fingerprint of this command: in the current form, whole (32 bytes,
    /// as the first builds of this form stored it) or cut to ``length``, or in the form of the
    /// builds before it (ids recorded by them are retried as themselves).
    static func matches(_ stored: [UInt8], _ fingerprint: [UInt8], _ command: Command, _ envelope: Envelope) -> Bool {
        if stored == fingerprint { return true }
        if stored.count == 32, fingerprint.count == length, stored.starts(with: fingerprint) { return true }
        return stored == legacy(command, envelope)
    }

    /// The fingerprint of the builds before this form: SHA-256 of the command's reflected description.
    /// - Complexity: a reflection of the whole command (tens of microseconds): only a repeated
    ///   id whose fingerprint differs pays it.
    static func legacy(_ command: Command, _ envelope: Envelope) -> [UInt8] {
        var text = String(reflecting: canonical(command))
        text += "|valid=\(envelope.validAt?.microseconds.description ?? "-")|rev=\(envelope.expectedRevision?.description ?? "-")"
        return SHA256.hash(Array(text.utf8))
    }

    /// The command with its JSON values' members in key order (a retry may order them differently).
    static func canonical(_ command: Command) -> Command {
        switch command {
        case .taskComplete(let id, let result, let next):
            .taskComplete(id: id, result: result.canonical, nextSteps: next.canonical)
        case .memoryStore(let key, let value, let type, let category, let significance):
            .memoryStore(key: key, value: value.canonical, type: type, category: category, significance: significance)
        case .workflowStart(let workflow, let id, let params, let steps):
            .workflowStart(workflow: workflow, id: id, params: params.canonical, steps: steps)
        case .workflowStep(let id, let step, let status, let output, let error):
            .workflowStep(id: id, step: step, status: status, output: output?.canonical, error: error)
        case .workflowComplete(let id, let result):
            .workflowComplete(id: id, result: result?.canonical)
        default:
            command
        }
    }

    /// The hashed bytes of a command: its name, then each field in declaration order.
    struct Writer {
        var bytes: [UInt8] = []

        mutating func int(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func number(_ v: Double) { int(Int64(bitPattern: v.bitPattern)) }
        mutating func text(_ s: String) {
            int(Int64(s.utf8.count))
            bytes.append(contentsOf: s.utf8)
        }
        mutating func texts(_ xs: [String]) {
            int(Int64(xs.count))
            for x in xs { text(x) }
        }
        /// The value's length, then the value: written in place, the length filled in after it.
        mutating func json(_ v: JSONValue) {
            let lengthAt = bytes.count
            int(0)
            v.canonical.write(into: &bytes)
            let length = Int64(bytes.count - lengthAt - 8).littleEndian
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: length, toByteOffset: lengthAt, as: Int64.self) }
        }
        mutating func optional<T>(_ v: T?, _ write: (inout Writer, T) -> Void) {
            guard let v else { return bytes.append(0) }
            bytes.append(1)
            write(&self, v)
        }

        mutating func spec(_ s: TaskSpec) {
            optional(s.id) { $0.text($1) }
            text(s.title)
            text(s.intent)
            text(s.complexity.rawValue)
            optional(s.description) { $0.text($1) }
            optional(s.confidence) { $0.number($1) }
            texts(s.keywords)
            texts(s.patterns)
            texts(s.related)
            optional(s.parent) { $0.text($1) }
            optional(s.contextCascade) { $0.text($1) }
            optional(s.estimatedEffort) { $0.text($1) }
        }

        mutating func write(_ command: Command) {
            text(command.name)
            switch command {
            case .taskCreate(let s): spec(s)
            case .taskUpdate(let id, let c):
                text(id)
                optional(c.title) { $0.text($1) }
                optional(c.description) { $0.text($1) }
                optional(c.intent) { $0.text($1) }
                optional(c.complexity) { $0.text($1.rawValue) }
                optional(c.confidence) { $0.number($1) }
                optional(c.keywords) { $0.texts($1) }
                optional(c.patterns) { $0.texts($1) }
                optional(c.related) { $0.texts($1) }
                optional(c.contextCascade) { $0.text($1) }
                optional(c.estimatedEffort) { $0.text($1) }
            case .taskSplit(let id, let confidence, let reason, let into):
                optional(id) { $0.text($1) }
                number(confidence)
                text(reason)
                int(Int64(into.count))
                for s in into { spec(s) }
            case .taskRoute(let id, let confidence, let routing):
                text(id)
                number(confidence)
                text(routing)
            case .taskStatus(let id, let status, let progress):
                text(id)
                text(status.rawValue)
                optional(progress) { $0.number($1) }
            case .taskComplete(let id, let result, let next):
                text(id)
                json(result)
                json(next)
            case .taskCancel(let id, let reason):
                text(id)
                text(reason)
            case .taskRelate(let id, let related):
                text(id)
                texts(related)
            case .memoryStore(let key, let value, let type, let category, let significance):
                text(key)
                json(value)
                text(type)
                optional(category) { $0.text($1) }
                optional(significance) { $0.number($1) }
            case .memoryForget(let key): text(key)
            case .workflowStart(let workflow, let id, let params, let steps):
                text(workflow)
                optional(id) { $0.text($1) }
                json(params)
                texts(steps)
            case .workflowStep(let id, let step, let status, let output, let error):
                text(id)
                text(step)
                text(status.rawValue)
                optional(output) { $0.json($1) }
                optional(error) { $0.text($1) }
            case .workflowComplete(let id, let result):
                text(id)
                optional(result) { $0.json($1) }
            case .workflowCancel(let id, let reason):
                text(id)
                optional(reason) { $0.text($1) }
            case .workflowStatus(let id, let status, let progress):
                text(id)
                text(status.rawValue)
                optional(progress) { $0.number($1) }
            case .statusReport(let entity, let status, let progress):
                text(entity)
                text(status)
                optional(progress) { $0.number($1) }
            case .contextSummary(let id, let summary):
                text(id)
                text(summary)
            case .eventRetract(let seq, let reason):
                int(seq)
                text(reason)
            case .contextLoad(let id, let depth):
                text(id)
                text(depth.rawValue)
            }
        }
    }
}
