internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// The statements of the append path, prepared once per connection and kept by handle
/// (no lookup by SQL text per command).
final class HotStatements {
    enum Kind: Int, CaseIterable {
        case insert, recordContextPath

        var sql: String {
            switch self {
            case .insert:
                "INSERT INTO events (seq, stream, stream_rev, type, type_version, valid_from, recorded_at, command_id, codec, payload, hash, command_fingerprint, command_ack) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            case .recordContextPath: "INSERT OR IGNORE INTO context_paths (path, task) VALUES (?, ?)"
            }
        }
    }

    private var statements: [Statement?] = Array(repeating: nil, count: Kind.allCases.count)

    /// The prepared handle, if it was prepared (the writing thread uses only prepared ones).
    func prepared(_ kind: Kind) -> OpaquePointer? { statements[kind.rawValue]?.sqliteStatement }

    func statement(_ kind: Kind, _ db: Database) throws -> OpaquePointer {
        if let s = statements[kind.rawValue] { return s.sqliteStatement }
        let s = try db.makeStatement(sql: kind.sql)
        statements[kind.rawValue] = s
        return s.sqliteStatement
    }
}
