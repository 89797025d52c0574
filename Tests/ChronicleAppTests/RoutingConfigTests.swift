import ChronicleApp
import ChronicleCore
import ChronicleTesting
import Foundation
import Testing

@Suite struct RoutingConfigTests {
    @Test func theCommittedFileGivesTheBuiltInPolicy() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("config/routing.yaml"), encoding: .utf8)
        #expect(try RoutingConfig.parse(text) == .builtIn)
    }

    @Test func keysLeftOutKeepTheirBuiltInValues() throws {
        let policy = try RoutingConfig.parse("version: 1\nsplit_below: 0.2\none_shot_min: {high: 0.5}\n")
        #expect(policy.splitBelow == 0.2)
        #expect(policy.oneShotMin[.high] == 0.5)
        #expect(policy.oneShotMin[.low] == RoutingPolicy.builtIn.oneShotMin[.low])
        #expect(policy.route(confidence: 0.6, complexity: .high) == "one_shot")
        #expect(policy.route(confidence: 0.3, complexity: .high) == "guided")
        #expect(policy.route(confidence: 0.1, complexity: .high) == "split")
    }

    @Test(arguments: ["version: 2\n", "split_below: 1.5\n", "one_shot_min: {huge: 0.5}\n", "default_confidence: [1, 2]\n"])
    func badFilesAreRefused(yaml: String) {
        #expect(throws: (any Error).self) { try RoutingConfig.parse(yaml) }
    }

    @Test func theAppenderUsesTheFileNamedByRouting() throws {
        let dir = try TestLog.temporaryDirectory()
        let file = dir.appendingPathComponent("routing.yaml")
        try "default_confidence: {high: 0.95}\none_shot_min: {high: 0.9}\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try ChronicleBinary.run(
            ["append", "--routing", file.path, "--db", dir.appendingPathComponent("log.db").path], input: "tc:Big job|feature|high\n",
            environment: fixedClock)
        #expect(result.stdout == "tr:big_job_001|0.95|one_shot\n")
        let missing = try ChronicleBinary.run(
            ["append", "--routing", dir.appendingPathComponent("nope.yaml").path, "--db", dir.appendingPathComponent("log.db").path],
            input: "tc:Big job|feature|high\n", environment: fixedClock)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml"))
    }

    /// A routing file that exists but says something wrong is not a bad argument (status 2): it
    /// ends the append with status 1, naming the file and what is wrong, before any line is read.
    @Test func aBadRoutingFileEndsTheAppendWithStatusOne() throws {
        let dir = try TestLog.temporaryDirectory()
        let file = dir.appendingPathComponent("routing.yaml")
        try "split_below: 1.5\n".write(to: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("log.db").path
        let result = try ChronicleBinary.run(
            ["append", "--routing", file.path, "--db", db], input: "tc:Big job|feature|high\n", environment: fixedClock)
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "chronicle: routing config \(file.path): split_below must be from 0 to 1. Fix the file or pass --routing with another one.\n"
        )
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
