public import ChronicleCore
internal import Yams

/// Query results as people read them: YAML (members in their order), JSON, or a plain table.
public enum Rendering {
    public enum Format: String, Sendable, CaseIterable {
        case yaml
        case json
        case table
    }

    /// `value` as a YAML document; strings that would read as another type are quoted.
    public static func yaml(_ value: JSONValue) throws -> String {
        if let direct = YAMLWriter.document(value) { return direct }
        return try yams(value)
    }

    /// `value` as Yams writes it (what ``YAMLWriter`` must match).
    public static func yams(_ value: JSONValue) throws -> String {
        try Yams.serialize(node: node(value), allowUnicode: true)
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .number(let n): return Node(JSONValue.format(number: n), Tag(n == n.rounded() ? .int : .float))
        // Yams's own representation: quoted where the plain text would read as another type.
        case .string(let s): return .scalar(s.represented())
        case .array(let items): return .sequence(Node.Sequence(items.map(node)))
        case .object(let members): return .mapping(Node.Mapping(members.map { (Node($0.key), node($0.value)) }))
        }
    }

    /// Columns padded to their widest cell, a header line and a rule.
    public static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                if i > 0 { out += "  " }
                out += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }
            return out + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }

    /// A value as one table cell: strings bare, anything else as compact JSON.
    public static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .number(let n)?: return JSONValue.format(number: n)
        case let v?: return v.jsonString
        }
    }
}
