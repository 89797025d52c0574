public import ChronicleCore

/// The stored snapshots, as `chronicle snapshot --list` and `--drop` see them.
extension EventLog {
    /// Every stored snapshot, oldest first: its kind, position, valid time, size, and whether
    /// this version reads its format.
    public func snapshotSummaries() throws -> [(kind: String, position: Int64, validAt: Timestamp, bytes: Int, readable: Bool)] {
        try read { try $0.snapshotSummaries() }
    }

    /// Deletes every stored snapshot (a cache: queries and appends fold from the events
    /// instead, and the appender takes new ones); returns how many there were.
    @discardableResult
    public func dropSnapshots() throws -> Int {
        try write { try $0.deleteSnapshots() }
    }
}
