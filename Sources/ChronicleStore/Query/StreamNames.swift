internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// The streams of one kind met while reading records, each given an index: those a snapshot
/// names, looked up by the bytes SQLite returns, and any new ones.
struct StreamNames {
    let kind: EntityKind
    private let table: NameTable
    private var ids: [String]
    private var added: [String: Int] = [:]

    init(kind: EntityKind, known: some Collection<String>) {
        self.kind = kind
        ids = Array(known)
        table = NameTable(ids.map { StreamID(kind, $0).description })
    }

    var count: Int { ids.count }
    func id(_ i: Int) -> String { ids[i] }
    func stream(_ i: Int) -> StreamID { StreamID(kind, ids[i]) }

    /// The index of the stream named `name` (`kind/id`, as stored).
    mutating func index(of name: UnsafeRawBufferPointer, seq: Int64) throws -> Int {
        if let i = table.index(of: name) { return i }
        let text = String(decoding: name, as: UTF8.self)
        if let i = added[text] { return i }
        guard let stream = StreamID(text), stream.kind == kind else {
            throw StoreError.corruptEvent(seq: seq, reason: "stream '\(text)' is not a \(kind) stream")
        }
        ids.append(stream.id)
        added[text] = ids.count - 1
        return ids.count - 1
    }
}
