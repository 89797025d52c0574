import Foundation

/// What a fresh `chronicle append` process pays to open a log: one line appended by a new
/// process, wall time and peak RSS, opened lazily (the default) and by folding every event
/// (the open of earlier versions, `--open-by-folding-everything`), in the same run.
enum OpenCost {
    struct Result {
        /// Wall times of the runs, milliseconds, sorted.
        var milliseconds: [Double]
        /// The highest peak RSS of the runs.
        var peakRSSBytes: Int
        var commandLine: String
        var median: Double { milliseconds[milliseconds.count / 2] }
    }

    /// Appends one memory line `runs` times to the log at `dbPath`, each by a new process.
    /// Each run adds one event to the log (a new value of the key `bench_open_probe`).
    static func run(
        chronicle: String, dbPath: String, foldEverything: Bool, runs: Int, workDir: String, environment: [String: String]
    ) throws -> Result {
        var times: [Double] = []
        var peak = 0
        var commandLine = ""
        let input = "\(workDir)/open-probe.txt"
        for i in 0..<runs {
            try Data("ms:bench_open_probe|\(foldEverything ? "full" : "lazy")_\(i)|semantic\n".utf8).write(
                to: URL(fileURLWithPath: input))
            let arguments = ["append", "--db", dbPath] + (foldEverything ? ["--open-by-folding-everything"] : [])
            let watch = Stopwatch()
            let child = try ChildProcess(
                executable: chronicle, arguments: arguments, environment: environment, stdin: .file(input),
                stdout: .file("\(workDir)/open-probe.acks"), stderrPath: "\(workDir)/chronicle.stderr")
            let end = try child.wait()
            times.append(watch.elapsedSeconds * 1000)
            guard end.exitedNormally else {
                throw BenchError.childFailed(
                    what: "chronicle append (one line)", status: end.summary, stderrPath: "\(workDir)/chronicle.stderr")
            }
            try BulkAppend.checkAcks(at: "\(workDir)/open-probe.acks", expected: 1)
            peak = max(peak, end.peakRSSBytes)
            commandLine = child.commandLine
        }
        return Result(milliseconds: times.sorted(), peakRSSBytes: peak, commandLine: commandLine)
    }
}
