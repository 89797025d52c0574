public import ChronicleCore

extension Rendering {
    /// One entity's state: YAML, JSON (one line), or a field/value table.
    public static func entity(_ entity: Entity, as format: Format) throws -> String {
        switch format {
        case .yaml: return try yaml(entity.json)
        case .json: return entity.json.jsonString + "\n"
        case .table:
            guard case .object(let members) = entity.json else { return "" }
            return table(header: ["field", "value"], rows: members.map { [$0.key, cell($0.value)] })
        }
    }

    /// The states of a collection of `kind`: a YAML or JSON array, or a table of the fields
    /// that tell them apart.
    public static func entities(_ entities: [Entity], of kind: EntityKind, as format: Format) throws -> String {
        switch format {
        case .yaml: return entities.isEmpty ? "[]\n" : try yaml(.array(entities.map(\.json)))
        case .json: return JSONValue.array(entities.map(\.json)).jsonString + "\n"
        case .table:
            let columns: [String] =
                switch kind {
                case .task: ["id", "status", "progress", "intent", "complexity", "title"]
                case .memory: ["key", "memory_type", "version", "value"]
                case .workflow: ["id", "workflow", "status", "progress"]
                case .context: ["id", "summary"]
                }
            return table(header: columns, rows: entities.map { e in columns.map { cell(e.json[$0]) } })
        }
    }

    /// An entity's versions in the bi-temporal plane (`chronicle history`): a table with a
    /// short summary of each state, or JSON/YAML with the whole states.
    public static func versions(_ versions: [Version], as format: Format) throws -> String {
        switch format {
        case .table:
            return table(
                header: ["seq", "valid_from", "valid_to", "recorded_from", "recorded_to", "fate", "command", "state"],
                rows: versions.map { v in
                    [
                        String(v.seq), v.validFrom.rfc3339, v.validTo?.rfc3339 ?? "…", v.recordedFrom.rfc3339,
                        v.recordedTo?.rfc3339 ?? "…", v.fate.rawValue, v.commandID, summary(v.state),
                    ]
                })
        case .json: return JSONValue.array(versions.map(json)).jsonString + "\n"
        case .yaml: return try yaml(.array(versions.map(json)))
        }
    }

    static func json(_ v: Version) -> JSONValue {
        .object([
            JSONMember("seq", .number(Double(v.seq))),
            JSONMember("valid_from", .string(v.validFrom.rfc3339)),
            JSONMember("valid_to", v.validTo.map { .string($0.rfc3339) } ?? .null),
            JSONMember("recorded_from", .string(v.recordedFrom.rfc3339)),
            JSONMember("recorded_to", v.recordedTo.map { .string($0.rfc3339) } ?? .null),
            JSONMember("fate", .string(v.fate.rawValue)),
            JSONMember("command", .string(v.commandID)),
            JSONMember("state", v.state?.json ?? .null),
        ])
    }

    /// The few fields that tell versions apart.
    static func summary(_ state: Entity?) -> String {
        switch state {
        case nil: return "(absent)"
        case .task(let t)?: return "\(t.status.rawValue) \(JSONValue.format(number: t.progress)) \"\(t.title)\""
        case .memory(let m)?: return m.value.jsonString
        case .workflow(let w)?: return "\(w.status.rawValue) \(JSONValue.format(number: w.progress))"
        case .context(_, let summary, _)?: return summary
        }
    }
}
