internal import GRDB

/// The log's identity (migration 005): what a projection records to refuse being continued
/// from another log.
extension EventLog {
    /// 32 hex digits, made once with the log; never changes.
    public func identity() throws -> String {
        try read { tx in
            guard let id = try String.fetchOne(tx.db, sql: "SELECT id FROM log_identity LIMIT 1") else {
                throw StoreError.read(reason: "the log has no identity (its table log_identity is empty)")
            }
            return id
        }
    }
}
