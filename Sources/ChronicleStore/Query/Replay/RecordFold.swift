internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// Records in memory, with the arenas that hold their longer bytes: the fold of one stream from
/// them.
struct RecordFold {
    let base: UnsafePointer<CompactEvent>
    let arenas: [ByteArena]
    /// What owns the records at `base`, kept alive while the fold is.
    var owner: AnyObject? = nil

    static let retraction = UInt8(DomainEvent.typeNames.firstIndex(of: "event.retracted")!)
    static let inlineOffset = MemoryLayout<CompactEvent>.offset(of: \CompactEvent.inline)!

    enum Folded {
        /// The stream's state and frontier; nil when no event was folded.
        case folded(Snapshot.Stream?)
        /// An event falls before the state's frontier: the stream must be folded from its first event.
        case stale
    }

    /// One stream, whose events are at `positions` in seq order, folded on from `initial` (nil:
    /// from nothing): retracted events left out, the rest folded in `(valid_from, seq)` order up
    /// to `valid`; those after it go to `pending`. Stale when an event to fold has a valid time
    /// before `initial`'s frontier (the positions come after every event `initial` folded).
    /// Records are read in place, through a pointer: a copy of each (112 bytes) costs more than
    /// the little the fold does with most of them.
    func foldStream(
        _ positions: [Int], _ stream: StreamID, validAt valid: Timestamp, from initial: Snapshot.Stream? = nil,
        pending: inout [(EntityKind, Snapshot.Scheduled)]
    ) throws(StoreError) -> Folded {
        let order = try ordered(positions, stream)
        if let initial, let first = order.first.map({ base[$0].validFrom }), first < initial.frontier.microseconds,
            first <= valid.microseconds
        {
            return .stale
        }
        var k = 0
        var frontier = initial?.frontier.microseconds
        let state = try Entity.fold(initial?.state, kind: stream.kind) { () throws(StoreError) -> RecordedEvent? in
            while k < order.count {
                let e = base + order[k]
                k += 1
                if e.pointee.validFrom <= valid.microseconds {
                    frontier = e.pointee.validFrom
                    return try decode(e, stream)
                }
                pending.append(
                    (stream.kind, Snapshot.Scheduled(seq: e.pointee.seq, validFrom: Timestamp(microseconds: e.pointee.validFrom))))
            }
            return nil
        }
        return .folded(frontier.map { Snapshot.Stream(state: state, frontier: Timestamp(microseconds: $0)) })
    }

    /// `positions` (one stream's, in seq order) without retractions and the events they retract,
    /// in `(valid_from, seq)` order.
    func ordered(_ positions: [Int], _ stream: StreamID) throws(StoreError) -> [Int] {
        var retracted: Set<Int64> = []
        var retractions = 0
        var ordered = true
        var last = Int64.min
        for j in positions {
            let e = base + j
            if e.pointee.type == Self.retraction {
                retractions += 1
                if case .eventRetracted(let target, _) = try decode(e, stream).event { retracted.insert(target) }
            } else {
                if e.pointee.validFrom < last { ordered = false }
                last = e.pointee.validFrom
            }
        }
        // The filter and order of Fold.live(_:retracted:), on compact records.
        var order = positions
        if retractions > 0 { order.removeAll { base[$0].type == Self.retraction || retracted.contains(base[$0].seq) } }
        if !ordered { order.sort { (base[$0].validFrom, base[$0].seq) < (base[$1].validFrom, base[$1].seq) } }
        return order
    }

    /// The events of one stream (at `positions`, in seq order) that look impossible in its
    /// history as known at the pass's position (see ``Impossible``).
    func impossible(_ positions: [Int], _ stream: StreamID, into out: inout Impossible.Findings) throws(StoreError) {
        var state: Entity?
        for j in try ordered(positions, stream) {
            let e = try decode(base + j, stream)
            if let reason = Impossible.reason(for: e, after: state) { out.add(Impossible(seq: e.seq, stream: stream, reason: reason)) }
            state = Entity.evolve(state, e)
        }
    }

    func decode(_ e: UnsafePointer<CompactEvent>, _ stream: StreamID) throws(StoreError) -> RecordedEvent {
        let type = DomainEvent.typeNames[Int(e.pointee.type)]
        let version = Int(e.pointee.typeVersion), codec = Int(e.pointee.codec)
        let p = Int(e.pointee.payloadCount), c = Int(e.pointee.commandIDCount)
        // The payload and command id bytes: inside the record, or in the arena.
        let bytes =
            e.pointee.bytesStart >= 0
            ? arenas[Int(e.pointee.arena)].bytes(e.pointee.bytesStart, p + c)
            : UnsafeRawBufferPointer(start: UnsafeRawPointer(e) + Self.inlineOffset, count: p + c)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[0..<p])
        var event = codec == PayloadCodec.json.rawValue ? DomainEvent(type: type, version: version, flatPayload: payload) : nil
        if event == nil {
            do {
                event = try PayloadCodec.event(type: type, version: version, codec: codec, payload: Array(payload))
            } catch {
                throw StoreError.corruptEvent(seq: e.pointee.seq, reason: error.description)
            }
        }
        return RecordedEvent(
            seq: e.pointee.seq, stream: stream, streamRevision: Int(e.pointee.streamRevision),
            validFrom: Timestamp(microseconds: e.pointee.validFrom), recordedAt: Timestamp(microseconds: e.pointee.recordedAt),
            commandID: String(decoding: bytes[p..<p + c], as: UTF8.self), event: event!)
    }
}
