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
        case .text: text = report.text(path: options.path)
        case .json: text = report.json.jsonString + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if !report.isSound { throw CommandFailure.damaged }
    }
}
