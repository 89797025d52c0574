internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// One stored event, as a pass holds it until its stream is folded: 112 bytes, with the payload and
/// command id inside when they fit (most do), so that a stream's events and their bytes lie
/// together, in the order the fold reads them.
struct CompactEvent: Sendable {
    typealias Inline = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    static let inlineCapacity = MemoryLayout<Inline>.size

    var seq: Int64
    var validFrom: Int64
    var recordedAt: Int64
    /// Where the payload's stored bytes, then the command id's, lie in the pass's ``ByteArena``;
    /// -1 when they are in ``inline``.
    var bytesStart: Int
    var payloadCount: Int32
    var commandIDCount: Int32
    var streamRevision: Int32
    /// Index in ``DomainEvent/typeNames``.
    var type: UInt8
    var typeVersion: UInt8
    var codec: UInt8
    /// Which of the pass's arenas holds the bytes, when they are not inline.
    var arena: UInt8
    var inline: Inline

    /// The columns ``read(_:into:types:arena:arenaIndex:)`` reads, in its order.
    static let columns = "seq, stream, stream_rev, type, type_version, valid_from, recorded_at, codec, payload, command_id"

    /// The current row of `h` (selecting ``columns``) into `row`, its longer bytes appended to
    /// `arena` (the pass's arena number `arenaIndex`). The stream is the caller's.
    static func read(
        _ h: OpaquePointer, into row: UnsafeMutablePointer<CompactEvent>, types: NameTable, arena: inout ByteArena.Filling,
        arenaIndex: UInt8
    ) throws {
        let seq = sqlite3_column_int64(h, 0)
        let typeName = UnsafeRawBufferPointer(start: sqlite3_column_text(h, 3), count: Int(sqlite3_column_bytes(h, 3)))
        guard let type = types.index(of: typeName) else {
            throw StoreError.corruptEvent(seq: seq, reason: "unknown event type '\(String(decoding: typeName, as: UTF8.self))'")
        }
        let version = sqlite3_column_int64(h, 4), codec = sqlite3_column_int64(h, 7)
        guard (1...255).contains(version), (0...255).contains(codec) else {
            throw StoreError.corruptEvent(seq: seq, reason: "type version \(version) or codec \(codec) out of range")
        }
        let payload = sqlite3_column_blob(h, 8), payloadCount = Int(sqlite3_column_bytes(h, 8))
        let commandID = sqlite3_column_text(h, 9), commandIDCount = Int(sqlite3_column_bytes(h, 9))
        row.initialize(
            to: CompactEvent(
                seq: seq, validFrom: sqlite3_column_int64(h, 5), recordedAt: sqlite3_column_int64(h, 6), bytesStart: -1,
                payloadCount: Int32(payloadCount), commandIDCount: Int32(commandIDCount),
                streamRevision: Int32(truncatingIfNeeded: sqlite3_column_int64(h, 2)), type: UInt8(type), typeVersion: UInt8(version),
                codec: UInt8(codec), arena: arenaIndex, inline: (0, 0, 0, 0, 0, 0, 0, 0)))
        if payloadCount + commandIDCount <= inlineCapacity {
            let inline = UnsafeMutableRawPointer(row) + RecordFold.inlineOffset
            if payloadCount > 0, let payload { inline.copyMemory(from: payload, byteCount: payloadCount) }
            if commandIDCount > 0, let commandID { (inline + payloadCount).copyMemory(from: commandID, byteCount: commandIDCount) }
        } else {
            row.pointee.bytesStart = arena.count
            arena.append(payload, payloadCount)
            arena.append(commandID, commandIDCount)
        }
    }
}
