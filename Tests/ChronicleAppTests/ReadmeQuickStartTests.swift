import ChronicleTesting
import Foundation
import Testing

/// The README's quick start, run as written: every `$ command` of its `console` blocks between
/// `<!-- quick-start -->` and `<!-- /quick-start -->`, in order, in one directory, and each
/// command's standard output compared with the lines the README shows under it. `tools/demo` is
/// run as `tools/demo-log` (what it runs after installing and building) with the binary under
/// test; a `console` block without a command continues the output of the one before it (after
/// a blank line); `$ export …` sets `CHRONICLE_DB` as the line does, and `chronicle` is the
/// binary under test; `$ cat FILE` shows a file of that directory.
@Suite struct ReadmeQuickStartTests {
    struct Step {
        var command: String
        var expected: [String]
    }

    static func steps() throws -> [Step] {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "<!-- quick-start -->"), let end = readme.range(of: "<!-- /quick-start -->") else {
            throw ReadmeError.noQuickStart
        }
        var steps: [Step] = []
        var inBlock = false
        var blockHasCommand = false
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```console" {
                inBlock = true
                blockHasCommand = false
                continue
            }
            guard inBlock else { continue }
            if line == "```" {
                inBlock = false
                continue
            }
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), expected: []))
                blockHasCommand = true
            } else {
                guard !steps.isEmpty else { throw ReadmeError.outputBeforeCommand(String(line)) }
                if !blockHasCommand {
                    steps[steps.count - 1].expected.append("")
                    blockHasCommand = true
                }
                steps[steps.count - 1].expected.append(String(line))
            }
        }
        return steps
    }

    enum ReadmeError: Error {
        case noQuickStart
        case outputBeforeCommand(String)
        case unknownCommand(String)
    }

    /// `chronicle a 'b c' d` → ["a", "b c", "d"] (single quotes only, as the README writes them).
    static func words(_ command: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for c in command {
            if c == "'" {
                quoted.toggle()
                started = true
            } else if c == " " && !quoted {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(c)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }

    @Test func theQuickStartRunsAsWritten() throws {
        let steps = try Self.steps()
        #expect(steps.count >= 8)
        #expect(steps.first?.command == "tools/demo")
        let dir = try TestLog.temporaryDirectory()
        var environment = ["CHRONICLE_CLOCK": "", "CHRONICLE_DB": ""]
        environment["CHRONICLE_BIN"] = ChronicleBinary.url.path
        for step in steps {
            let result: ChronicleBinary.Result
            if step.command == "tools/demo" {
                result = try ChronicleBinary.run(
                    executable: packageRoot.appendingPathComponent("tools/demo-log"), [], input: Data(), environment: environment, in: dir)
            } else if step.command.hasPrefix("export ") {
                let db = try #require(Self.words(step.command).first { $0.hasPrefix("CHRONICLE_DB=") })
                environment["CHRONICLE_DB"] = String(db.dropFirst("CHRONICLE_DB=".count))
                continue
            } else if step.command.hasPrefix("chronicle ") {
                environment["CHRONICLE_CLOCK"] = nil
                result = try ChronicleBinary.run(Array(Self.words(step.command).dropFirst()), environment: environment, in: dir)
            } else if step.command.hasPrefix("cat ") {
                let file = dir.appendingPathComponent(String(step.command.dropFirst(4)))
                result = ChronicleBinary.Result(status: 0, stdout: try String(contentsOf: file, encoding: .utf8), stderr: "")
            } else {
                throw ReadmeError.unknownCommand(step.command)
            }
            #expect(result.status == 0, "\(step.command): \(result.stderr)")
            // A command shown with no output prints nothing on stdout.
            let expected = step.expected.isEmpty ? "" : step.expected.joined(separator: "\n") + "\n"
            #expect(result.stdout == expected, "\(step.command)")
        }
    }
}
