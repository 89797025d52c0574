import Foundation
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The floor the follow lag of `chronicle project yaml --follow` is compared with: the least a
/// follower of the log must do to show a commit in a file. It wakes as ``FloorWake`` says; then it
/// reads the head of the log (`SELECT max(seq)`, one prepared statement) and, when the head
/// moved, writes its seq to one file, `head`, by a temporary file renamed into place. No event
/// is decoded, folded or rendered: what is left of chronicle's lag above this is its own work.
final class FloorFollower: @unchecked Sendable {  // the wake's thread alone uses the database
    /// The file it rewrites, in the directory it was given.
    static let fileName = "head"

    private let database: RawDatabase
    private let head: OpaquePointer
    private let directory: String
    private let wake: FloorWake
    private var last: Int64 = 0

    /// Watches the log at `logPath` and writes into `directory` (which must exist).
    init(logPath: String, directory: String) throws {
        self.directory = directory
        database = try RawDatabase(path: logPath)
        head = try database.prepare("SELECT coalesce(max(seq), 0) FROM events")
        wake = try FloorWake(logPath: logPath)
        last = try readHead()
    }

    deinit { sqlite3_finalize(head) }

    /// Starts following on a thread of its own.
    func start() {
        wake.start { [self] in
            let now = try readHead()
            guard now > last else { return false }
            try writeFile(now)
            last = now
            return true
        }
    }

    /// Stops the thread and waits for it; throws what stopped it early, if anything did.
    func stop() throws { try wake.stop() }

    private func readHead() throws -> Int64 {
        defer { sqlite3_reset(head) }
        guard sqlite3_step(head) == SQLITE_ROW else { throw BenchError.sqlite(path: database.path, message: database.lastError) }
        return sqlite3_column_int64(head, 0)
    }

    private func writeFile(_ seq: Int64) throws {
        let temporary = "\(directory)/.\(Self.fileName).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError.system(call: "open \(temporary)", errno: errno) }
        let bytes = Array("\(seq)\n".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard rename(temporary, "\(directory)/\(Self.fileName)") == 0 else {
            throw BenchError.system(call: "rename \(temporary)", errno: errno)
        }
    }
}
