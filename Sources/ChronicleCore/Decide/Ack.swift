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

    /// The coded line: `code:field|field|…`, bars, backslashes and line breaks in fields escaped.
    public var coded: String {
        var out: [UInt8] = []
        writeCoded(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the coded line (without a line break) to `out`.
    public func writeCoded(into out: inout [UInt8]) {
        out.append(contentsOf: code.utf8)
        out.append(UInt8(ascii: ":"))
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "|")) }
            switch f.value {
            case .string(let s): CodedLanguage.writeEscaped(s, into: &out)
            case .number(let n): JSONValue.write(number: n, into: &out)
            default: CodedLanguage.writeEscaped(f.value.jsonString, into: &out)
            }
        }
    }

    /// The JSON form (`--format json`): `{"ack":"tr","line":3,"task_id":…}`.
    public func json(line: Int) -> String {
        JSONValue.object([JSONMember("ack", .string(code)), JSONMember("line", .number(Double(line)))] + fields).jsonString
    }
}
