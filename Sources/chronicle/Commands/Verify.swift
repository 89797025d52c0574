import ArgumentParser
import ChronicleCore
import ChronicleStore
import Foundation

/// `chronicle verify`: checks the log's structural invariants and reports every problem.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the log: hash chain, gap-free seq, per-stream revisions, recorded_at order, payloads, retractions.",
        discussion: """
            Reads every event in seq order and prints one line per problem ("seq N: what is wrong"); \
            for a sound log, replays it and prints one line per event that looks impossible in its \
            history as known now ("warning: seq N: …", at most 1,000: a late event or a retraction \
            made it so; it is folded as recorded); then a summary. Exit status: 0 the log is sound (warnings or not), 1 it is damaged, 2 bad arguments, \
            3 it cannot be opened or read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var options: LogOptions

    @Option(help: "Report format: text (default) or json.")
    var format: Format = .text

    func run() async throws {
        let logger = options.logger(label: "chronicle.verify")
        let log = try options.openExisting(logger: logger)
        let report: LogIntegrity.Report
        do {
            report = try LogIntegrity.verify(log)
        } catch {
            throw CommandFailure.unreadable(error)
        }
        let text: String
        switch format {
        case .text: text = Self.text(report, path: options.path)
        case .json: text = Self.json(report).jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if !report.isSound { throw CommandFailure.damaged }
    }

    static func text(_ report: LogIntegrity.Report, path: String) -> String {
        var out = ""
        for problem in report.problems { out += "\(problem)\n" }
        for warning in report.warnings?.listed ?? [] { out += "warning: \(warning)\n" }
        if let total = report.warnings?.total, total > Impossible.Findings.limit {
            out += "warning: … \(total - Impossible.Findings.limit) more not listed\n"
        }
        if let reason = report.warningsUnchecked { out += "warnings not checked: \(reason)\n" }
        let events = "\(report.events) event\(report.events == 1 ? "" : "s") in \(report.streams) stream\(report.streams == 1 ? "" : "s")"
        if report.isSound {
            let head = report.headSeq.map { " up to seq \($0), chain head \(hex(report.headHash ?? []))" } ?? ""
            let n = report.warnings?.total ?? 0
            let warnings =
                n == 0 ? "" : "; \(n) event\(n == 1 ? "" : "s") that look\(n == 1 ? "s" : "") impossible as known now (folded as recorded)"
            out += "ok: \(events)\(head)\(warnings) (\(path))\n"
        } else {
            let n = report.problems.count
            let first = report.problems[0].seq
            out +=
                "damaged: \(n) problem\(n == 1 ? "" : "s") in \(events) (\(path)); rows before seq \(first) passed every check: restore the log from a copy\n"
        }
        return out
    }

    static func json(_ report: LogIntegrity.Report) -> JSONValue {
        .object([
            JSONMember("ok", .bool(report.isSound)),
            JSONMember("events", .number(Double(report.events))),
            JSONMember("streams", .number(Double(report.streams))),
            JSONMember("head_seq", report.headSeq.map { .number(Double($0)) } ?? .null),
            JSONMember("head_hash", report.headHash.map { .string(hex($0)) } ?? .null),
            JSONMember(
                "problems",
                .array(
                    report.problems.map { .object([JSONMember("seq", .number(Double($0.seq))), JSONMember("problem", .string($0.what))]) })),
            // Null when not checked (a damaged log, or a check that failed: see "warnings_unchecked").
            JSONMember(
                "warnings",
                report.warnings.map { found in
                    .array(
                        found.listed.map {
                            .object([
                                JSONMember("seq", .number(Double($0.seq))), JSONMember("stream", .string($0.stream.description)),
                                JSONMember("warning", .string($0.reason)),
                            ])
                        })
                } ?? .null),
            JSONMember("warnings_total", report.warnings.map { .number(Double($0.total)) } ?? .null),
            JSONMember("warnings_unchecked", report.warningsUnchecked.map(JSONValue.string) ?? .null),
        ])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
