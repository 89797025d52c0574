/// The answer to one input line: a coded ack (`tr:`, `su:`, `cl:`, `er:`) with named fields.
public struct Ack: Sendable, Equatable {
    public var code: String
    public var fields: [JSONMember]

    public init(_ code: String, _ fields: [JSONMember]) {
        self.code = code
        self.fields = fields
    }

    public static func tr(_ id: String, _ confidence: Double, _ routing: String) -> Ack {
        Ack(
            "tr",
            [JSONMember("task_id", .string(id)), JSONMember("confidence", .number(confidence)), JSONMember("routing", .string(routing))])
    }

    public static func su(_ entity: String, _ status: String, _ progress: Double) -> Ack {
        Ack(
            "su",
            [JSONMember("entity_id", .string(entity)), JSONMember("status", .string(status)), JSONMember("progress", .number(progress))])
    }

    public static func su(_ entity: String, _ status: String, version: Int) -> Ack {
        Ack(
            "su",
            [
                JSONMember("entity_id", .string(entity)), JSONMember("status", .string(status)),
                JSONMember("version", .number(Double(version))),
            ])
    }

    public static func cl(_ id: String, _ summary: JSONValue) -> Ack {
        Ack("cl", [JSONMember("context_id", .string(id)), JSONMember("summary", summary)])
    }

    /// `er:{code}|line N: {message}|{recovery}`.
    public static func error(_ error: CommandError, line: Int) -> Ack {
        Ack(
            "er",
            [
                JSONMember("code", .string(error.code.rawValue)), JSONMember("message", .string("line \(line): \(error.message)")),
                JSONMember("recovery", .string(error.recovery)),
            ])
    }

    public var isError: Bool { code == "er" }

    /// The coded line: `code:field|field|…`, bars and backslashes in fields escaped.
    public var coded: String {
        var out = code + ":"
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "|" }
            switch f.value {
            case .string(let s): out += CodedLanguage.escape(s)
            case .number(let n): out += JSONValue.format(number: n)
            default: out += CodedLanguage.escape(f.value.jsonString)
            }
        }
        return out
    }

    /// The JSON form (`--format json`): `{"ack":"tr","line":3,"task_id":…}`.
    public func json(line: Int) -> String {
        JSONValue.object([JSONMember("ack", .string(code)), JSONMember("line", .number(Double(line)))] + fields).jsonString
    }
}
