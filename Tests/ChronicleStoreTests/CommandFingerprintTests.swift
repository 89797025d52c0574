import ChronicleCore
import ChronicleTesting
import Testing

@testable import ChronicleStore

@Suite struct CommandFingerprintTests {
    /// Lines that differ in one field each (or in their envelope): every fingerprint differs.
    static let distinct = [
        "tc:Fix bug|feature|low", "tc:Fix bug|feature|high", "tc:Fix bug|bugfix|low", "tc:Fix bugs|feature|low",
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","keywords":["a"]}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","patterns":["a"]}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","related":["a"]}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","description":"a"}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","context_cascade":"a"}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","estimated_effort":"a"}"#,
        #"{"cmd":"task.create","title":"Fix bug","intent":"feature","complexity":"low","confidence":0.5}"#,
        #"{"cmd":"task.update","id":"t","set":{"title":"a"}}"#, #"{"cmd":"task.update","id":"t","set":{"description":"a"}}"#,
        #"{"cmd":"task.update","id":"t","set":{"keywords":["a"]}}"#, #"{"cmd":"task.update","id":"t","set":{"patterns":["a"]}}"#,
        "ts:t|0.3|big", "ts:t|0.4|big", "ts:auto|0.3|big", "ts:t|0.3|small",
        "su:t|in_progress|0.5", "su:t|in_progress|0.6", "su:t|blocked|0.5", "su:u|in_progress|0.5",
        "ms:k|v|semantic", "ms:k|w|semantic", "ms:k|v|episodic", "ms:j|v|semantic", "ms:k|{a:1}|semantic", "ms:k|{a:2}|semantic",
        "[valid=2025-06-01T10:00:00Z] ms:k|v|semantic", "[valid=2025-06-01T10:00:01Z] ms:k|v|semantic", "[rev=1] ms:k|v|semantic",
        "[rev=2] ms:k|v|semantic", #"{"cmd":"memory.forget","key":"k"}"#, #"{"cmd":"memory.forget","key":"j"}"#,
        "wf:deploy|{a:1}", "wf:deploy|{a:2}", "wf:ship|{a:1}", #"{"cmd":"workflow.step","id":"w","step":"s","status":"started"}"#,
        #"{"cmd":"workflow.step","id":"w","step":"s","status":"completed"}"#, #"{"cmd":"event.retract","seq":1,"reason":"r"}"#,
        #"{"cmd":"event.retract","seq":2,"reason":"r"}"#, "cl:t|summary", "cl:t|full", "cl:t|a summary",
        #"{"cmd":"task.complete","id":"t","result":{"a":1}}"#, #"{"cmd":"task.cancel","id":"t","reason":"r"}"#,
    ]

    static func parse(_ line: String) throws -> (Command, Envelope) {
        guard case .command(let c, let e) = try CodedLanguage.parse(line: Substring(line)) else {
            throw CommandError(.parse, "skip", recovery: "")
        }
        return (c, e)
    }

    @Test func differentCommandsHaveDifferentFingerprints() throws {
        let prints = try Self.distinct.map { line in
            let (c, e) = try Self.parse(line)
            return CommandFingerprint.of(c, e)
        }
        #expect(Set(prints).count == Self.distinct.count)
        #expect(prints.allSatisfy { $0.count == CommandFingerprint.length })
    }

    /// Fingerprints are stored: the bytes hashed for a command must not change between builds, or
    /// a retry under a recorded id is refused as a different command. These were written by the
    /// build of 2f5147e (read back from its log; the form of 51e730c).
    @Test(arguments: [
        ("ms:key_500|v500|semantic", "8638a6bb283813a25e6d4517ec5004fd"),
        (#"[valid=2025-01-01T00:00:00Z] ms:k2|{"b":[1,{"d":null,"c":true}],"a":"x\"y"}|semantic"#, "19b0da59bda694f71eafc98365eb2f24"),
        ("tc:Auth|feature|high", "7032f90e8a79560c252376d49fe63612"),
    ])
    func fingerprintsStayWhatEarlierBuildsStored(line: String, stored: String) throws {
        let (c, e) = try Self.parse(line)
        #expect(SHA256.hex(CommandFingerprint.of(c, e)) == stored)
    }

    @Test func jsonMemberOrderDoesNotCount() throws {
        let (a, ea) = try Self.parse(#"{"cmd":"memory.store","key":"k","value":{"x":1,"y":[1,{"p":1,"q":2}]},"type":"semantic"}"#)
        let (b, eb) = try Self.parse(#"{"type":"semantic","value":{"y":[1,{"q":2,"p":1}],"x":1},"key":"k","cmd":"memory.store"}"#)
        #expect(CommandFingerprint.of(a, ea) == CommandFingerprint.of(b, eb))
    }

    /// An id recorded by an older build (its fingerprint the hash of the reflected command) is
    /// still a retry of the same command, and still refuses a different one.
    @Test func anIDRecordedByAnOlderBuildIsRetried() throws {
        let log = try TestLog.inMemory()
        let (command, envelope) = try Self.parse("[id=old-1] ms:k|v|semantic")
        let ack = try #require(try TestLog.appender(log).append(text: "ms:k|v|semantic").first)
        // The ack as the log stores it, from another log; recorded as builds before version 4 did.
        let other = try TestLog.inMemory()
        _ = try TestLog.appender(other).append(text: "[id=old-1] ms:k|v|semantic")
        let storedAck = try #require(try other.read { try $0.storedCommand(id: "old-1") }).ack
        try log.write { tx in
            try tx.recordLegacyCommand(id: "old-1", firstSeq: 1, fingerprint: CommandFingerprint.legacy(command, envelope), ack: storedAck)
        }
        let appender = try TestLog.appender(log)
        #expect(try appender.append(text: "[id=old-1] ms:k|v|semantic") == [ack])
        #expect(try appender.append(text: "[id=old-1] ms:k|w|semantic").first?.hasPrefix("er:conflict|") == true)
        #expect(try log.events().count == 1)
        // In a bulk group too (which looks each id up first when the log holds such ids).
        let bulk = (0..<70).map { "[id=b\($0)] ms:b\($0)|v|semantic" } + ["[id=old-1] ms:k|v|semantic"]
        let acks = try appender.append(text: bulk.joined(separator: "\n"))
        #expect(acks.last == ack)
        #expect(try log.events().count == 71)
    }

    /// The first builds of this form stored the whole SHA-256 (32 bytes): those ids are still
    /// retried as themselves, and still refuse a different command.
    @Test func aFingerprintStoredWholeIsStillMatched() throws {
        let (command, envelope) = try Self.parse("[id=w-1] ms:k|v|semantic")
        let whole = CommandFingerprint.full(command, envelope)
        #expect(whole.count == 32 && whole.starts(with: CommandFingerprint.of(command, envelope)))
        let log = try TestLog.inMemory()
        let ack = try #require(try TestLog.appender(log).append(text: "ms:k|v|semantic").first)
        try log.write { tx in
            try tx.recordLegacyCommand(id: "w-1", firstSeq: 1, fingerprint: whole, ack: Ack.su("memory/k", "stored", version: 1).stored)
        }
        let appender = try TestLog.appender(log)
        #expect(try appender.append(text: "[id=w-1] ms:k|v|semantic") == [ack])
        #expect(try appender.append(text: "[id=w-1] ms:k|w|semantic").first?.hasPrefix("er:conflict|") == true)
        #expect(try log.events().count == 1)
    }
}
