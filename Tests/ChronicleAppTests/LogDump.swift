import Foundation
import GRDB

/// Every column of every row of `events` and `commands` (ids recorded before version 4), as text: two logs are the same
/// byte for byte when their dumps are equal.
func dumpLog(_ path: String) throws -> String {
    let queue = try DatabaseQueue(path: path)
    return try queue.read { db in
        var out = ""
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, hex(payload) AS payload, hex(hash) AS hash, hex(command_fingerprint) AS command_fingerprint, command_ack FROM events ORDER BY seq"
        ) {
            out += row.description + "\n"
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM commands ORDER BY command_id") { out += row.description + "\n" }
        return out
    }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let fixedClock = ["CHRONICLE_CLOCK": "fixed:2025-06-01T10:00:00Z"]
