import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn`, its standard input and output each a file or a
/// pipe, its standard error a file. ``wait()`` reaps it with `wait4`, which gives this child's
/// CPU time. Its peak resident set size is read from `/proc/PID/status` (`VmHWM`) while it runs:
/// `wait4`'s `ru_maxrss` is no use here, since Linux carries the spawning process's own peak
/// into it (`posix_spawn` starts the child in the benchmark's memory before `exec`).
final class ChildProcess {
    enum Input {
        case file(String)
        case pipe
    }

    enum Output {
        case file(String)
        case pipe
    }

    /// How the child ended.
    struct Termination {
        /// The raw `wait4` status.
        var status: Int32
        /// Peak resident set size (`VmHWM`, last seen before the child ended), bytes.
        var peakRSSBytes: Int
        /// User plus system CPU time, seconds.
        var cpuSeconds: Double

        var exitedNormally: Bool { status & 0x7f == 0 && (status >> 8) & 0xff == 0 }
        var summary: String {
            status & 0x7f == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        }
    }

    let pid: pid_t
    private let watcher: PeakWatcher
    /// The writing end of the child's standard input, when it is a pipe.
    private(set) var stdinFD: Int32 = -1
    /// The reading end of the child's standard output, when it is a pipe.
    let stdoutFD: Int32
    /// The command line, shell-quoted, for reports.
    let commandLine: String

    /// Starts `executable arguments…` with `environment` (replacing, not adding to, ours).
    init(executable: String, arguments: [String], environment: [String: String], stdin: Input, stdout: Output, stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        var parentIn: Int32 = -1, parentOut: Int32 = -1
        switch stdin {
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .pipe:
            let (read, write) = try Self.makePipe()
            posix_spawn_file_actions_adddup2(&actions, read, 0)
            childEnds.append(read)
            parentIn = write
        }
        switch stdout {
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case .pipe:
            let (read, write) = try Self.makePipe()
            posix_spawn_file_actions_adddup2(&actions, write, 1)
            childEnds.append(write)
            parentOut = read
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        for fd in childEnds { close(fd) }
        guard rc == 0 else {
            if parentIn >= 0 { close(parentIn) }
            if parentOut >= 0 { close(parentOut) }
            throw BenchError.system(call: "posix_spawn \(executable)", errno: rc)
        }
        self.pid = pid
        watcher = PeakWatcher(pid: pid)
        self.stdinFD = parentIn
        self.stdoutFD = parentOut
        var line = ([executable] + arguments).map(Self.quoted).joined(separator: " ")
        if case .file(let path) = stdin { line += " < \(Self.quoted(path))" }
        if case .file(let path) = stdout { line += " > \(Self.quoted(path))" }
        commandLine = line
    }

    deinit {
        _ = watcher.stop()
        if stdinFD >= 0 { close(stdinFD) }
        if stdoutFD >= 0 { close(stdoutFD) }
    }

    /// Closes the child's standard input (it then sees the end of its input).
    func closeInput() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    /// Waits for the child to end.
    func wait() throws -> Termination {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw BenchError.system(call: "wait4", errno: errno) }
        }
        return Termination(status: status, peakRSSBytes: watcher.stop(), cpuSeconds: usage.cpuSeconds)
    }

    /// A pipe whose two ends are closed on exec (`dup2` clears the flag on the copy the child keeps).
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw BenchError.system(call: "pipe", errno: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// `text` quoted for a POSIX shell when it needs to be.
    static func quoted(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "-_./:=,@+%".utf8.contains(c)
        }
        if plain && !text.isEmpty { return text }
        return "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}

/// Reads a process's `VmHWM` every 2 ms on a thread of its own, until stopped.
private final class PeakWatcher: @unchecked Sendable {  // peak and stopped are read and written under lock
    private let lock = NSLock()
    private var peak = 0
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(pid: pid_t) {
        let path = "/proc/\(pid)/status"
        Thread.detachNewThread { [self] in
            while !lock.withLock({ stopped }) {
                if let status = try? String(contentsOfFile: path, encoding: .utf8),
                    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                    let kB = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
                {
                    lock.withLock { peak = max(peak, kB * 1024) }
                }
                usleep(2_000)
            }
            done.signal()
        }
    }

    /// Stops watching (at once when already stopped); the highest peak seen, bytes.
    func stop() -> Int {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first { done.wait() }
        return lock.withLock { peak }
    }
}
