import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A full rebuild of the YAML tree (`chronicle replay yaml`) of a log of `tasks` tasks (with
/// half as many memory keys and a tenth as many workflows), beside a baseline that writes the
/// same bytes to the same files in the same way (directories made as needed, each file to a
/// temporary name beside it, then renamed), in process: what is left is the cost of reading the
/// log and computing the view.
enum TreeRebuild {
    struct Result {
        var files: Int
        var bytes: Int
        var seconds: Double
        var peakRSSBytes: Int
        var baselineSeconds: Double
        var commandLine: String
    }

    static func run(chronicle: String, tasks: Int, dir: String, environment: [String: String]) throws -> Result {
        var lines = ""
        lines.reserveCapacity(tasks * 160)
        for i in 0..<tasks {
            lines +=
                "{\"cmd\":\"task.create\",\"id\":\"t\(i)\",\"title\":\"Task \(i)\",\"intent\":\"feature\",\"complexity\":\"low\",\"context_cascade\":\"agents/team_\(i % 50)/tasks\"}\n"
            if i % 2 == 0 { lines += "ms:key_\(i)|value \(i)|semantic\n" }
            if i % 10 == 0 { lines += "wf:release|{n:'\(i)'}\n" }
        }
        let input = "\(dir)/tree-commands.txt"
        try Data(lines.utf8).write(to: URL(fileURLWithPath: input))
        let db = "\(dir)/tree.db"
        let append = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", db], environment: environment, stdin: .file(input),
            stdout: .file("\(dir)/tree-acks.txt"), stderrPath: "\(dir)/chronicle.stderr")
        guard try append.wait().exitedNormally else {
            throw BenchError.childFailed(what: "chronicle append (tree log)", status: "failed", stderrPath: "\(dir)/chronicle.stderr")
        }
        let tree = "\(dir)/tree"
        try? FileManager.default.removeItem(atPath: tree)
        sync()
        let watch = Stopwatch()
        let replay = try ChildProcess(
            executable: chronicle, arguments: ["replay", "yaml", tree, "--db", db], environment: environment, stdin: .file(input),
            stdout: .file("\(dir)/tree-replay.out"), stderrPath: "\(dir)/chronicle.stderr")
        let end = try replay.wait()
        let seconds = watch.elapsedSeconds
        guard end.exitedNormally else {
            throw BenchError.childFailed(what: "chronicle replay yaml", status: end.summary, stderrPath: "\(dir)/chronicle.stderr")
        }
        // The baseline writes what the replay wrote.
        var files: [(String, Data)] = []
        let walk = FileManager.default.enumerator(atPath: tree)
        while let relative = walk?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(tree)/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append((relative, try Data(contentsOf: URL(fileURLWithPath: "\(tree)/\(relative)"))))
            }
        }
        files.sort { $0.0 < $1.0 }
        let copy = "\(dir)/tree-baseline"
        try? FileManager.default.removeItem(atPath: copy)
        sync()
        let baselineWatch = Stopwatch()
        try atomicWrites(files, under: copy)
        let baselineSeconds = baselineWatch.elapsedSeconds
        return Result(
            files: files.count, bytes: files.reduce(0) { $0 + $1.1.count }, seconds: seconds, peakRSSBytes: end.peakRSSBytes,
            baselineSeconds: baselineSeconds, commandLine: replay.commandLine)
    }

    /// Each file written to `.name.tmp` in its directory and renamed into place.
    static func atomicWrites(_ files: [(String, Data)], under root: String) throws {
        mkdir(root, 0o755)
        var made: Set<String> = [root]
        for (relative, bytes) in files {
            let path = "\(root)/\(relative)"
            let parent = (path as NSString).deletingLastPathComponent
            if !made.contains(parent) {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                made.insert(parent)
            }
            let temporary = "\(parent)/.\((path as NSString).lastPathComponent).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchError.missingFile(path: temporary, hint: "cannot create") }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard rename(temporary, path) == 0 else { throw BenchError.missingFile(path: path, hint: "cannot rename") }
        }
    }
}
