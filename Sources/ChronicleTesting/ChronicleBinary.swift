public import Foundation

/// The built `chronicle` executable, for end-to-end tests: found beside the test bundle.
public enum ChronicleBinary {
    public static var url: URL {
        if let path = ProcessInfo.processInfo.environment["CHRONICLE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("chronicle")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/chronicle")
    }

    /// Writing to a child that already exited must fail with EPIPE, not kill the test process.
    private static let ignoreBrokenPipe: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            (self.status, self.stdout, self.stderr) = (status, stdout, stderr)
        }
    }

    /// Runs `chronicle args…` with `input` on stdin and the given extra environment; waits for it.
    public static func run(
        _ args: [String], input: String = "", environment: [String: String] = [:], in directory: URL? = nil
    ) throws -> Result {
        try run(args, input: Data(input.utf8), environment: environment, in: directory)
    }

    /// Runs `chronicle args…` with raw bytes on stdin (invalid UTF-8, NUL bytes, huge lines).
    public static func run(_ args: [String], input: Data, environment: [String: String] = [:], in directory: URL? = nil) throws
        -> Result
    {
        try run(executable: url, args, input: input, environment: environment, in: directory)
    }

    /// Runs any executable the same way (a script of `tools/`, say), in `directory` when given.
    public static func run(executable: URL, _ args: [String], input: Data, environment: [String: String] = [:], in directory: URL? = nil)
        throws -> Result
    {
        let process = Process()
        process.executableURL = executable
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        _ = ignoreBrokenPipe
        try process.run()
        let writer = Thread {
            // The child may exit before reading everything (`--strict`): a broken pipe is not an error here.
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errData = PipeCollector(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: errData.finish())
    }
}

extension ChronicleBinary {
    /// Reads what a running child writes to `fd` (made non-blocking) until `lines` lines
    /// arrived or `seconds` passed; a test then fails on what is missing.
    public static func readLines(_ fd: Int32, count lines: Int, seconds: Double = 20) -> String {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var text = ""
        let deadline = Date().addingTimeInterval(seconds)
        while text.split(separator: "\n").count < lines, Date() < deadline {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { text += String(decoding: buffer[..<n], as: UTF8.self) } else { usleep(10_000) }
        }
        return text
    }
}

/// Reads a pipe to its end on its own thread, so neither pipe can fill and stall the child.
public final class PipeCollector: @unchecked Sendable {
    // Sendable unchecked: data is written by the reading thread before done.signal() and read only after done.wait().
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    /// Waits for the end of the pipe; everything read, as UTF-8 text.
    public func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
