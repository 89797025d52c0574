import ChronicleCore
import Testing

@testable import ChronicleStore

/// The stored form of an ack (column `command_ack`): what a retry is answered with.
@Suite struct StoredAckTests {
    static let compact: [Ack] = [
        .su("memory/k", "stored", version: 3), .su("task/t", "in_progress", 0.25), .tr("auth_impl_001", 0.85, "backend"),
        .cl("agents/dev", .object([JSONMember("tasks", .array([.string("a|b"), .number(2)]))])),
    ]

    @Test func acksOfKnownShapesAreStoredCompactlyAndReadBack() throws {
        for ack in Self.compact {
            let stored = ack.stored
            #expect(stored.first.map { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) } == true, "\(ack.coded)")
            #expect(Ack(stored: stored) == ack)
        }
        #expect(String(decoding: Ack.su("memory/k", "stored", version: 1).stored, as: UTF8.self) == #"1["memory/k","stored",1]"#)
    }

    /// Acks of other shapes, and every ack the builds before the compact form stored, are JSON objects.
    @Test func otherAcksAndOlderRowsAreJSONObjects() throws {
        let other = Ack("su", [JSONMember("entity_id", .string("x")), JSONMember("status", .string("stored"))])
        #expect(other.stored.first == UInt8(ascii: "{"))
        #expect(Ack(stored: other.stored) == other)
        let older = Array(#"{"ack":"su","entity_id":"memory/key_0","status":"stored","version":1}"#.utf8)
        #expect(Ack(stored: older) == .su("memory/key_0", "stored", version: 1))
    }

    @Test func unreadableFormsAreNil() {
        for text in ["", "5[1,2]", "0[]", #"1["x","stored"]"#, "1[", "{}", #"{"code":"su"}"#, "x"] {
            #expect(Ack(stored: Array(text.utf8)) == nil, "\(text)")
        }
    }
}
