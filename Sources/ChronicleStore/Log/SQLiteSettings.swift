internal import CSQLiteSettings

/// Process-wide SQLite settings, made once before the first connection is opened.
enum SQLiteSettings {
    /// Without memory statistics, two threads writing and reading on two connections at once do
    /// not contend for SQLite's allocation mutex: a bulk append of id'd lines spent a third of its
    /// time waking the other thread. Chronicle never reads the statistics (`sqlite3_memory_used`).
    /// Has no effect when another part of the process opened a connection first.
    static let applied: Void = { _ = chronicle_sqlite_disable_memory_statistics() }()
}
