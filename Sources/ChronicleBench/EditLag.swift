import ChronicleProjection
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The edit lag of `chronicle project yaml DIR --follow`: how long after a person saves an
/// edited file of the tree the log holds the command the projector made of it.
///
/// A log of ``keys`` memory keys is followed by the projector; a `chronicle tail --follow`
/// child prints the log's new events, and a `chronicle append` child stays open for the
/// baseline. Then, in turns on one key after another (each file edited once when there are
/// fewer edits than keys): an edit, `memory/KEY.yaml` read, its `value:` line replaced and its
/// `revision:` kept, saved in place (open with truncation, write, close) for even edits and as
/// a hidden temporary file renamed over it for odd ones, as editors do; then the same command
/// (`memory.store` of the key with another value, a command id and the stream's revision)
/// written as one line to the appender. Each is timed from the moment the save returned (after
/// `close` or `rename`) or the line was about to be written, to the moment the benchmark read
/// the command's `ev:` line from the tail: the same clock and the same watcher for both, so the
/// difference is the projector's share. The projector's first open of the file after the save
/// (inotify's `IN_OPEN`) splits an edit's time into the wait for the file to be quiet
/// (``TreeWatcher/settleMicroseconds``) and the read, decision and append. Each edit and each
/// appended command is finished (the event read, the canonical file renamed into place) and
/// the children idle again (``idleNanoseconds``) before the next starts.
enum EditLag {
    static let keys = 500
    /// Unmeasured pairs first (the tail and the projector's first appends).
    static let warmUp = 10
    /// How long the children are left alone after each step, nanoseconds. After a read that
    /// found something, the tail and the projector look again every 0.2 ms for 10 ms, then every
    /// 10 ms for 200 ms (`FollowPace`; about 225 ms in all on this machine, more when loaded),
    /// and only then sleep in `poll` until woken: a step started within those 10 ms sleeps
    /// would be seen up to 10 ms late (and, by the projector, a file's change is stamped when
    /// it looks, so its quiet period would end up to 10 ms late and be noticed up to 10 ms
    /// later still). Each step starts after that, as a person's edit of a quiet tree does, and
    /// both paths find the tail in the same state. (A run with 400 ms gave the same figures.)
    static let idleNanoseconds: UInt64 = 250_000_000
    /// How long a step may take before it is given up on, nanoseconds.
    static let timeoutNanoseconds: UInt64 = 5_000_000_000

    /// One edit or one appended command: times on ``Stopwatch/now()``'s clock, 0 when not seen.
    struct Sample {
        /// The save returned (an edit), or the line was about to be written (the baseline).
        var start: UInt64
        /// Edits: whether saved in place (else renamed over the file).
        var inPlace = false
        /// Edits: the projector opened the file to read it.
        var opened: UInt64 = 0
        /// The baseline: the appender's ack was read.
        var acked: UInt64 = 0
        /// The command's event was read from the tail.
        var logged: UInt64 = 0
        /// The projector renamed the file with the new revision into place.
        var rewritten: UInt64 = 0

        /// Milliseconds from `from` (default: the start) to `to`; nil when either was not seen.
        func ms(_ to: UInt64, from: UInt64? = nil) -> Double? {
            let from = from ?? start
            guard from != 0, to != 0, to >= from else { return nil }
            return Double(to - from) / 1e6
        }
    }

    struct Result {
        var edits: [Sample]
        var appends: [Sample]
        /// The projector's `edit taken` lines, its `edit refused` lines, and any others.
        var taken: Int
        var refused: [String]
        var otherLines: [String]
        var projectorCommandLine: String
        var tailCommandLine: String
        var appenderCommandLine: String
    }

    static func run(chronicle: String, dir: String, edits: Int, environment: [String: String]) throws -> Result {
        // The log in a directory of its own: the projector's and the tail's watches see nothing else.
        let files = FileManager.default
        let logDirectory = "\(dir)/edit-log"
        try? files.removeItem(atPath: logDirectory)
        try files.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let log = "\(logDirectory)/edit.db"
        let setup = (0..<keys).map { "ms:em\($0)|created|semantic\n" }.joined()
        try Data(setup.utf8).write(to: URL(fileURLWithPath: "\(dir)/edit-setup.txt"))
        let created = try BulkAppend.run(
            chronicle: chronicle, commandsPath: "\(dir)/edit-setup.txt", lines: keys, expectedEvents: keys, dbPath: log,
            acksPath: "\(dir)/edit-setup.acks", stderrPath: "\(dir)/chronicle.stderr", environment: environment)

        ProgressNote.say("edit lag: chronicle project yaml --follow, \(warmUp) + \(edits) edits, each beside one appended command")
        let tree = "\(dir)/edit-tree"
        try? files.removeItem(atPath: tree)
        let projectorStderr = "\(dir)/edit-project.stderr"
        try? files.removeItem(atPath: projectorStderr)
        let projector = try ChildProcess(
            executable: chronicle, arguments: ["project", "yaml", tree, "--db", log, "--follow"], environment: environment,
            stdin: .file("/dev/null"), stdout: .file("/dev/null"), stderrPath: projectorStderr)
        try FollowLag.waitUntilFollowing(tree: tree, projector: projector, stderrPath: projectorStderr)
        let tail = try ChildProcess(
            executable: chronicle, arguments: ["tail", "--follow", "--db", log, "--from", "#\(created.events + 1)"],
            environment: environment, stdin: .file("/dev/null"), stdout: .pipe, stderrPath: "\(dir)/edit-tail.stderr")
        let appender = try ChildProcess(
            executable: chronicle, arguments: ["append", "--db", log], environment: environment, stdin: .pipe, stdout: .pipe,
            stderrPath: "\(dir)/chronicle.stderr")
        let watch = try FileEventWatch(
            directory: "\(tree)/memory", mask: UInt32(IN_OPEN | IN_CLOSE_NOWRITE | IN_MOVED_TO))
        let observer = EditObserver(
            tailFD: tail.stdoutFD, appenderFD: appender.stdoutFD, watch: watch,
            stderrPaths: (tail: "\(dir)/edit-tail.stderr", appender: "\(dir)/chronicle.stderr"))
        let steps = Steps(tree: tree, observer: observer, appender: appender)
        var result = Result(
            edits: [], appends: [], taken: 0, refused: [], otherLines: [], projectorCommandLine: projector.commandLine,
            tailCommandLine: tail.commandLine,
            appenderCommandLine: "CHRONICLE_CLOCK=\(environment["CHRONICLE_CLOCK"] ?? "") " + appender.commandLine)
        do {
            for i in 0..<(warmUp + edits) {
                let key = "em\(i % keys)"
                let (edit, revision) = try steps.edit(key: key, number: i)
                let append = try steps.append(key: key, number: i, revision: revision)
                if i >= warmUp {
                    result.edits.append(edit)
                    result.appends.append(append)
                }
                if (i + 1) % 100 == 0 { ProgressNote.say("  \(i + 1) of \(warmUp + edits) pairs") }
            }
        } catch {
            appender.closeInput()
            for child in [projector, tail] { kill(child.pid, SIGINT) }
            for child in [appender, projector, tail] { _ = try? child.wait() }
            throw error
        }
        appender.closeInput()
        for child in [projector, tail] { kill(child.pid, SIGINT) }
        for (child, what, stderr) in [
            (appender, "chronicle append (edit lag)", "\(dir)/chronicle.stderr"),
            (projector, "chronicle project yaml --follow (edit lag)", projectorStderr),
            (tail, "chronicle tail --follow", "\(dir)/edit-tail.stderr"),
        ] {
            let end = try child.wait()
            guard end.exitedNormally else { throw BenchError.childFailed(what: what, status: end.summary, stderrPath: stderr) }
        }
        let said = (try? String(contentsOfFile: projectorStderr, encoding: .utf8)) ?? ""
        for line in said.split(separator: "\n").map(String.init) {
            if line.contains(": edit taken: ") {
                result.taken += 1
            } else if line.contains(": edit refused: ") {
                result.refused.append(line)
            } else {
                result.otherLines.append(line)
            }
        }
        try writeTrace(result, to: "\(dir)/edit-lag.csv")
        return result
    }

    /// Every pair's times, ns from the first edit's save (0: not seen).
    private static func writeTrace(_ result: Result, to path: String) throws {
        let zero = result.edits.first?.start ?? 0
        func t(_ at: UInt64) -> String { at == 0 ? "0" : String(at - zero) }
        var csv = "pair,edit_in_place,edit_saved_ns,edit_opened_ns,edit_logged_ns,edit_rewritten_ns,"
        csv += "append_written_ns,append_acked_ns,append_logged_ns,append_rewritten_ns\n"
        for (i, (e, a)) in zip(result.edits, result.appends).enumerated() {
            csv += "\(i),\(e.inPlace ? 1 : 0),\(t(e.start)),\(t(e.opened)),\(t(e.logged)),\(t(e.rewritten)),"
            csv += "\(t(a.start)),\(t(a.acked)),\(t(a.logged)),\(t(a.rewritten))\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The two kinds of step, on the children of one run.
    private struct Steps {
        let tree: String
        let observer: EditObserver
        let appender: ChildProcess

        /// Edits `memory/KEY.yaml` (its value only) and waits until the log holds the command
        /// and the file is rewritten; returns the times and the stream's revision after it.
        func edit(key: String, number: Int) throws -> (Sample, Int) {
            let name = "\(key).yaml"
            let path = "\(tree)/memory/\(name)"
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw BenchError.missingFile(path: path, hint: "the projector should have written it")
            }
            var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let value = lines.firstIndex(where: { $0.hasPrefix("value: ") }) else {
                throw BenchError.ackMismatch(what: "edit lag", detail: "\(path) has no `value:` line")
            }
            let fileRevision = FollowLag.revision(Array(bytes)) ?? 0
            lines[value] = "value: edit \(number)"
            let edited = Array(lines.joined(separator: "\n").utf8)
            let inPlace = number % 2 == 0
            try observer.forget()
            if inPlace {
                try save(edited, to: path)
            } else {
                let temporary = "\(tree)/memory/.\(name).edit"
                try save(edited, to: temporary)
                guard rename(temporary, path) == 0 else { throw BenchError.system(call: "rename \(temporary)", errno: errno) }
            }
            var sample = Sample(start: Stopwatch.now(), inPlace: inPlace)
            try observer.forget()  // our own open and rename
            let stream = "memory/\(key)"
            var revision = fileRevision
            let done = try observer.wait(until: sample.start + timeoutNanoseconds) {
                if sample.logged == 0,
                    let event = observer.logEvents.first(where: { $0.stream == stream && $0.commandID.hasPrefix("file-") })
                {
                    (sample.logged, revision) = (event.at, event.revision)
                }
                if sample.rewritten == 0, let renamed = observer.firstFileEvent(name, IN_MOVED_TO) { sample.rewritten = renamed.event.at }
                return sample.logged != 0 && sample.rewritten != 0
            }
            sample.opened = observer.firstFileEvent(name, IN_OPEN)?.event.at ?? 0
            if !done {
                ProgressNote.say(
                    "  edit \(number) of \(path): "
                        + (sample.logged == 0 ? "no file- command in the log" : "not rewritten") + " after 5 s")
            }
            try rest()
            return (sample, revision)
        }

        /// Appends `memory.store` of `key` with the edit's fields, a command id and the
        /// stream's `revision`, and waits until the log holds it and the file is rewritten.
        func append(key: String, number: Int, revision: Int) throws -> Sample {
            let id = "bench-edit-\(number)"
            let line =
                #"{"cmd":"memory.store","command_id":"\#(id)","expected_rev":\#(revision),"key":"\#(key)","value":"append \#(number)","type":"semantic"}"#
            let bytes = Array((line + "\n").utf8)
            let name = "\(key).yaml"
            try observer.forget()
            var sample = Sample(start: Stopwatch.now())
            try InteractiveAppend.writeAll(appender.stdinFD, bytes)
            let done = try observer.wait(until: sample.start + timeoutNanoseconds) {
                if sample.acked == 0, let ack = observer.acks.first { sample.acked = ack.at }
                if sample.logged == 0, let event = observer.logEvents.first(where: { $0.commandID == id }) { sample.logged = event.at }
                if sample.rewritten == 0, let renamed = observer.firstFileEvent(name, IN_MOVED_TO) { sample.rewritten = renamed.event.at }
                return sample.acked != 0 && sample.logged != 0 && sample.rewritten != 0
            }
            if let ack = observer.acks.first, ack.line.starts(with: "er:".utf8) {
                throw BenchError.ackMismatch(what: "edit lag baseline", detail: "\(line) got \(String(decoding: ack.line, as: UTF8.self))")
            }
            guard done else {
                throw BenchError.ackMismatch(
                    what: "edit lag baseline", detail: "\(line): ack, event or rewrite not seen in 5 s (\(observer.acks.count) acks)")
            }
            try rest()
            return sample
        }

        /// Lets the children go idle (``idleNanoseconds``), reading what they still do.
        private func rest() throws {
            _ = try observer.wait(until: Stopwatch.now() + idleNanoseconds) { false }
        }

        /// Writes `bytes` to `path` in place: open with truncation, write, close.
        private func save(_ bytes: [UInt8], to path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchError.system(call: "open \(path)", errno: errno) }
            defer { close(fd) }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BenchError.system(call: "write \(path)", errno: errno)
                }
                offset += n
            }
        }
    }
}
