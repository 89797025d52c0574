import ChronicleStore
import GRDBSQLite

/// A bare SQLite connection driven through the C API, with nothing between the benchmark and
/// SQLite: the storage ceiling the appender is compared with.
final class RawDatabase {
    let path: String
    let handle: OpaquePointer

    /// Opens (creating if needed) the database at `path`.
    init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw BenchError.sqlite(path: path, message: message)
        }
        handle = db
    }

    deinit { sqlite3_close_v2(handle) }

    /// The appender's own tuning pragmas, WAL, and the given `synchronous` level: the same
    /// settings as the log's connection.
    func setPragmas(synchronous: String) throws {
        for pragma in EventLog.tuningPragmas { try execute(pragma) }
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = \(synchronous)")
    }

    /// Runs one or more statements that return no rows worth keeping.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? lastError
            sqlite3_free(message)
            throw BenchError.sqlite(path: path, message: "\(text) (in: \(sql.prefix(80)))")
        }
    }

    /// Runs the statements of a schema file one by one; with `only`, just those whose text
    /// (comments aside) starts with one of the given prefixes, compared without case.
    func executeScript(_ script: String, only prefixes: [String]? = nil) throws {
        for statement in Self.statements(script) {
            if let prefixes {
                let text = Self.withoutLeadingComments(statement).lowercased()
                guard prefixes.contains(where: { text.hasPrefix($0.lowercased()) }) else { continue }
            }
            try execute(statement)
        }
    }

    /// The complete statements of `script`, split where `sqlite3_complete` says one ends
    /// (so semicolons in comments, strings and trigger bodies do not split).
    static func statements(_ script: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in script {
            current.append(ch)
            if ch == ";", sqlite3_complete(current) != 0 {
                out.append(current)
                current = ""
            }
        }
        if !withoutLeadingComments(current).isEmpty { out.append(current) }
        return out
    }

    /// Prepares one statement; the caller finalizes it.
    func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw BenchError.sqlite(path: path, message: "\(lastError) (in: \(sql.prefix(80)))")
        }
        return statement
    }

    /// The single integer a query returns.
    func integer(_ sql: String) throws -> Int64 {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw BenchError.sqlite(path: path, message: lastError) }
        return sqlite3_column_int64(statement, 0)
    }

    /// Steps through every row of a query, handing each to `body` (columns read in place).
    func eachRow(_ sql: String, _ body: (OpaquePointer) throws -> Void) throws {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        var rc = sqlite3_step(statement)
        while rc == SQLITE_ROW {
            try body(statement)
            rc = sqlite3_step(statement)
        }
        guard rc == SQLITE_DONE else { throw BenchError.sqlite(path: path, message: lastError) }
    }

    /// The first column of every row, as text.
    func strings(_ sql: String) throws -> [String] {
        var out: [String] = []
        try eachRow(sql) { out.append(String(cString: sqlite3_column_text($0, 0))) }
        return out
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    private static func withoutLeadingComments(_ sql: String) -> Substring {
        var rest = sql[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" }
            guard rest.hasPrefix("--") else { return rest }
            rest = rest.drop { $0 != "\n" }
        }
    }
}
