/// The coded language of the frontend: `tc:`, `ts:`, `wf:`, `ms:`, `cl:`, `su:` (and the backend's
/// `tr:` and `tc:{task_id}|{result}|{next_steps}`), with an optional `[id=… valid=… rev=…]` envelope.
public enum CodedLanguage {
    /// Reads one input line of either form (coded or JSON), detected by its first character.
    ///
    /// The line must already be valid UTF-8 without NUL bytes (the reader checks those).
    public static func parse(line raw: Substring) throws(CommandError) -> ParsedLine {
        var line = raw
        while let c = line.first, c == " " || c == "\t" || c == "\r\n" { line.removeFirst() }
        while let c = line.last, c == " " || c == "\t" || c == "\r" || c == "\r\n" { line.removeLast() }
        guard let first = line.first, first != "#" else { return .skip }
        if first == "{" { return try JSONCommands.parse(line) }
        var envelope = Envelope()
        if first == "[" {
            let (parsed, commandStart) = try envelopeAndCommandStart(line)
            envelope = parsed
            line = line[line.utf8.index(line.startIndex, offsetBy: commandStart)...]
            if line.utf8.first == UInt8(ascii: "{") {
                throw .parse(
                    "an envelope goes before a coded command, not a JSON one",
                    "give a JSON command its \"command_id\", \"valid_at\" and \"expected_rev\" as fields")
            }
        }
        return .command(try parseCoded(line), envelope)
    }

    /// The envelope of a line that starts with `[`, and the byte offset of the command after it
    /// (past the `]` and any spaces or tabs).
    ///
    /// Read as bytes, by offset: every byte the envelope's grammar names is ASCII, never part of
    /// a multi-byte character, and stepping through a substring's indices costs several times more.
    static func envelopeAndCommandStart(_ line: Substring) throws(CommandError) -> (Envelope, Int) {
        let result =
            line.utf8.withContiguousStorageIfAvailable { envelopeAndCommandStart(bytes: $0) }
            ?? Array(line.utf8).withUnsafeBufferPointer { envelopeAndCommandStart(bytes: $0) }
        return try result.get()
    }

    private static func envelopeAndCommandStart(bytes b: UnsafeBufferPointer<UInt8>) -> Result<(Envelope, Int), CommandError> {
        do throws(CommandError) {
            guard let close = b.firstIndex(of: UInt8(ascii: "]")) else {
                throw .parse("the envelope '[' is not closed", "write it as [id=… valid=… rev=…] before the command")
            }
            let envelope = try parseEnvelope(UnsafeBufferPointer(rebasing: b[1..<close]))
            var start = close + 1
            while start < b.count, b[start] == 0x20 || b[start] == 0x09 { start += 1 }
            return .success((envelope, start))
        } catch {
            return .failure(error)
        }
    }

    /// The entries of an envelope (the bytes between `[` and `]`), separated by spaces and tabs.
    /// Only id, valid and rev are accepted, so three flags tell a repeated key (an unknown key is
    /// refused where it first appears).
    private static func parseEnvelope(_ bytes: UnsafeBufferPointer<UInt8>) throws(CommandError) -> Envelope {
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        var envelope = Envelope()
        var seenID = false
        var seenValid = false
        var seenRev = false
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x20 || bytes[i] == 0x09 {
                i += 1
                continue
            }
            var end = i
            while end < bytes.count, bytes[end] != 0x20, bytes[end] != 0x09 { end += 1 }
            let part = i..<end
            i = end
            guard let eq = bytes[part].firstIndex(of: UInt8(ascii: "=")) else {
                throw .parse("envelope entry '\(CommandError.shown(text(part)))' has no '='", "write key=value with keys id, valid, rev")
            }
            let key = part.lowerBound..<eq
            let value = text(eq + 1..<part.upperBound)
            func once(_ seen: inout Bool) throws(CommandError) {
                guard !seen else {
                    throw .parse(
                        "the envelope gives '\(CommandError.shown(text(key)))' twice",
                        "give each of id=, valid= and rev= at most once")
                }
                seen = true
            }
            switch EnvelopeKey(UnsafeBufferPointer(rebasing: bytes[key])) {
            case .id:
                try once(&seenID)
                guard Identifier.isValid(value) else { throw .invalidID("command id", value) }
                envelope.commandID = value
            case .valid:
                try once(&seenValid)
                envelope.validAt = try time(value)
            case .rev:
                try once(&seenRev)
                guard let rev = Int(value), rev >= 0 else {
                    throw .parse(
                        "rev '\(CommandError.shown(value))' is not a revision number",
                        "use a whole number ≥ 0 (0: the stream must not exist yet)")
                }
                envelope.expectedRevision = rev
            case nil:
                throw .parse("unknown envelope key '\(CommandError.shown(text(key)))'", "use id=, valid= or rev=")
            }
        }
        return envelope
    }

    /// The keys of an envelope, told apart by their bytes.
    private enum EnvelopeKey {
        case id, valid, rev

        init?(_ key: UnsafeBufferPointer<UInt8>) {
            if key.elementsEqual("id".utf8) {
                self = .id
            } else if key.elementsEqual("valid".utf8) {
                self = .valid
            } else if key.elementsEqual("rev".utf8) {
                self = .rev
            } else {
                return nil
            }
        }
    }

    /// An RFC 3339 time, or `er:invalid_time`.
    public static func time(_ text: String) throws(CommandError) -> Timestamp {
        guard let t = Timestamp(rfc3339: text) else {
            throw CommandError(
                .invalidTime, "'\(CommandError.shown(text))' is not an RFC 3339 time between years 0001 and 9999",
                recovery: "write it like 2025-06-01T10:00:00Z")
        }
        return t
    }

    static func parseCoded(_ line: Substring) throws(CommandError) -> Command {
        let bytes = line.utf8
        guard bytes.count >= 3, let colon = line.firstIndex(of: ":"), line.distance(from: line.startIndex, to: colon) == 2
        else {
            if line.isEmpty { throw .parse("an envelope without a command", "put the command after the ']'") }
            throw .parse(
                "not a command", "write a coded line like tc:title|intent|complexity or a JSON object {\"cmd\": …}")
        }
        let code = String(line[..<colon])
        let fields = try splitFields(line[line.index(after: colon)...])
        func need(_ counts: ClosedRange<Int>, _ shape: String) throws(CommandError) {
            guard counts.contains(fields.count) else {
                throw .parse(
                    "\(code): takes \(shape), got \(fields.count) field\(fields.count == 1 ? "" : "s")",
                    "separate fields with '|' and escape a literal bar as \\|")
            }
        }
        switch code {
        case "tc":
            try need(3...3, "title|intent|complexity")
            if let f = fields[2].first, f == "{" || f == "[" {
                let id = try identifier(fields[0], "task id")
                return .taskComplete(id: id, result: try codedValue(fields[1]), nextSteps: try relaxedJSON(fields[2], "next_steps"))
            }
            let title = try text(fields[0], "title")
            let intent = try identifier(fields[1], "intent")
            guard let complexity = Complexity(word: fields[2]) else {
                throw .parse("complexity '\(CommandError.shown(fields[2]))' is not low, medium or high", "use low, medium or high")
            }
            return .taskCreate(TaskSpec(title: title, intent: intent, complexity: complexity))
        case "ts":
            try need(3...3, "task_id|confidence|reason")
            let id = fields[0] == "auto" ? nil : try identifier(fields[0], "task id")
            return .taskSplit(id: id, confidence: try fraction(fields[1], "confidence"), reason: try text(fields[2], "reason"), into: [])
        case "tr":
            try need(3...3, "task_id|confidence|routing")
            return .taskRoute(
                id: try identifier(fields[0], "task id"), confidence: try fraction(fields[1], "confidence"),
                routing: try identifier(fields[2], "routing"))
        case "wf":
            try need(1...2, "workflow|params")
            let workflow = try identifier(fields[0], "workflow")
            var params = JSONValue.object([])
            if fields.count == 2, !fields[1].isEmpty {
                guard fields[1].first == "{" else {
                    throw .parse("wf: params must be an object", "write params like {name:'MyApp',scope:'web'}")
                }
                params = try relaxedJSON(fields[1], "params")
                guard case .object = params else {
                    throw .parse("wf: params must be an object", "write params like {name:'MyApp',scope:'web'}")
                }
            }
            return .workflowStart(workflow: workflow, id: nil, params: params, steps: [])
        case "ms":
            try need(3...3, "key|value|type")
            let key = try identifier(fields[0], "memory key")
            return .memoryStore(
                key: key, value: try codedValue(fields[1]), type: try identifier(fields[2], "memory type"), category: nil, significance: nil
            )
        case "cl":
            try need(1...2, "context_id|depth")
            let id = fields[0]
            guard Identifier.isValid(id) || Identifier.isValidPath(id) else { throw .invalidID("context id", id) }
            // The depth has a default: left out or left empty, it is `summary`.
            if fields.count == 1 || fields[1].isEmpty { return .contextLoad(contextID: id, depth: .summary) }
            if let depth = ContextDepth(rawValue: fields[1]) { return .contextLoad(contextID: id, depth: depth) }
            return .contextSummary(id: try identifier(id, "context id"), summary: try text(fields[1], "summary"))
        case "su":
            try need(2...3, "entity_id|status|progress")
            let entity = fields[0]
            guard Identifier.isValid(entity) || StreamID(entity).map({ Identifier.isValid($0.id) }) == true else {
                throw .invalidID("entity id", entity)
            }
            let progress = fields.count == 3 && !fields[2].isEmpty ? try fraction(fields[2], "progress") : nil
            return .statusReport(entity: entity, status: try identifier(fields[1], "status"), progress: progress)
        case "er":
            throw CommandError(.unknownCommand, "er: is an error ack, not a command", recovery: "send commands, not acks")
        default:
            throw CommandError(
                .unknownCommand, "unknown coded command '\(CommandError.shown(code)):'",
                recovery: "use tc:, ts:, wf:, ms:, cl:, su: or tr:, or a JSON object")
        }
    }

    /// Splits on unescaped `|`; `\|` is a literal bar and `\\` a backslash, other backslashes stay as written.
    public static func splitFields(_ text: Substring) throws(CommandError) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let c = bytes.next() {
            if c == 92 {
                guard let n = bytes.next() else {
                    current.append(92)
                    break
                }
                if n == 124 || n == 92 {
                    current.append(n)
                } else {
                    current.append(92)
                    current.append(n)
                }
            } else if c == 124 {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(c)
            }
        }
        fields.append(String(decoding: current, as: UTF8.self))
        return fields
    }

    /// Escapes `|` and `\` so a value can stand in a coded field.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 124 || $0 == 92 || $0 == 10 || $0 == 13 }) else { return text }
        var out: [UInt8] = []
        writeEscaped(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` to `out` with `|`, `\`, line feeds and carriage returns escaped.
    public static func writeEscaped(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            for c in bytes {
                switch c {
                case 124: out.append(92); out.append(124)
                case 92: out.append(92); out.append(92)
                case 10: out.append(92); out.append(110)
                case 13: out.append(92); out.append(114)
                default: out.append(c)
                }
            }
        }
    }

    /// A coded value: relaxed JSON when it starts with `{` or `[`, a string otherwise.
    public static func codedValue(_ field: String) throws(CommandError) -> JSONValue {
        if let f = field.first, f == "{" || f == "[" { return try relaxedJSON(field, "value") }
        return .string(try text(field, "value", allowEmpty: true))
    }

    static func relaxedJSON(_ field: String, _ what: String) throws(CommandError) -> JSONValue {
        do {
            return try JSONParser.parse(field, relaxed: true)
        } catch {
            throw .parse("\(what) is not valid JSON: \(error)", "write an object like {key:'value'} or quote the text")
        }
    }

    static func identifier(_ field: String, _ what: String) throws(CommandError) -> String {
        guard Identifier.isValid(field) else {
            if field.isEmpty { throw .parse("\(what) is empty", "give \(CommandError.article(what)) \(what)") }
            throw .invalidID(what, field)
        }
        return field
    }

    static func text(_ field: String, _ what: String, allowEmpty: Bool = false) throws(CommandError) -> String {
        guard allowEmpty || !field.isEmpty else { throw .parse("\(what) is empty", "give \(CommandError.article(what)) \(what)") }
        guard !field.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else {
            throw .parse("\(what) contains a control character", "remove control characters (tabs, escapes) from the line")
        }
        return field
    }

    static func fraction(_ field: String, _ what: String) throws(CommandError) -> Double {
        guard let v = Double(field), v.isFinite, v >= 0, v <= 1 else {
            throw .parse("\(what) '\(CommandError.shown(field))' is not a number from 0 to 1", "write it like 0.45")
        }
        return v
    }
}
