public import ChronicleCore

/// What `chronicle verify` prints of a report: the text lines people read, or one JSON object.
extension LogIntegrity.Report {
    /// One line per problem ("seq N: what is wrong"), one per listed warning, then a summary
    /// naming the log at `path`.
    public func text(path: String) -> String {
        var out = ""
        for problem in problems { out += "\(problem)\n" }
        for warning in warnings?.listed ?? [] { out += "warning: \(warning)\n" }
        if let total = warnings?.total, total > Impossible.Findings.limit {
            out += "warning: … \(total - Impossible.Findings.limit) more not listed\n"
        }
        if let reason = warningsUnchecked { out += "warnings not checked: \(reason)\n" }
        let counted = "\(events) event\(events == 1 ? "" : "s") in \(streams) stream\(streams == 1 ? "" : "s")"
        if isSound {
            let head = headSeq.map { " up to seq \($0), chain head \(SHA256.hex(headHash ?? []))" } ?? ""
            let n = warnings?.total ?? 0
            let warned =
                n == 0 ? "" : "; \(n) event\(n == 1 ? "" : "s") that look\(n == 1 ? "s" : "") impossible as known now (folded as recorded)"
            out += "ok: \(counted)\(head)\(warned) (\(path))\n"
        } else {
            let n = problems.count
            let first = problems[0].seq
            out +=
                "damaged: \(n) problem\(n == 1 ? "" : "s") in \(counted) (\(path)); rows before seq \(first) passed every check: restore the log from a copy\n"
        }
        return out
    }

    /// The report as one JSON object (`--format json`).
    public var json: JSONValue {
        .object([
            JSONMember("ok", .bool(isSound)),
            JSONMember("events", .number(Double(events))),
            JSONMember("streams", .number(Double(streams))),
            JSONMember("head_seq", headSeq.map { .number(Double($0)) } ?? .null),
            JSONMember("head_hash", headHash.map { .string(SHA256.hex($0)) } ?? .null),
            JSONMember(
                "problems",
                .array(problems.map { .object([JSONMember("seq", .number(Double($0.seq))), JSONMember("problem", .string($0.what))]) })),
            // Null when not checked (a damaged log, or a check that failed: see "warnings_unchecked").
            JSONMember(
                "warnings",
                warnings.map { found in
                    .array(
                        found.listed.map {
                            .object([
                                JSONMember("seq", .number(Double($0.seq))), JSONMember("stream", .string($0.stream.description)),
                                JSONMember("warning", .string($0.reason)),
                            ])
                        })
                } ?? .null),
            JSONMember("warnings_total", warnings.map { .number(Double($0.total)) } ?? .null),
            JSONMember("warnings_unchecked", warningsUnchecked.map(JSONValue.string) ?? .null),
        ])
    }
}
