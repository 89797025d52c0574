internal import ChronicleCore
internal import GRDB
internal import GRDBSQLite

/// A stored snapshot taken forward to `(V, #P)` from the log: the answer of
/// ``Snapshot/advanced(to:validAt:later:refold:)``, read and folded as compact records (see
/// ``Replay``) rather than as decoded events, for the later events and for the stale streams
/// read again by the stream index.
struct SnapshotAdvance {
    /// Stale streams whose events add up to more than `1/refoldScanShare` of the position asked
    /// for are folded again in one scan of the log (``Replay/refold(_:validAt:position:_:)``), not through the
    /// stream index: a row read by the index costs several times one read by a scan.
    var refoldScanShare = 20

    /// - Returns: the advanced snapshot, and how many events it read after the stored one (its
    ///   pending ones due by `valid` included).
    func run(_ base: Snapshot, to position: Int64, validAt valid: Timestamp, _ tx: LogTransaction) throws -> (
        advance: Snapshot.Advance, laterEvents: Int
    ) {
        var out = base
        let (move, later) = try run(&out, to: position, validAt: valid, undoable: false, tx)
        return (Snapshot.Advance(snapshot: out, refolded: move.refolded, touched: move.touched), later)
    }

    /// The advance in place, not copying `snapshot` when nothing else holds its streams.
    /// `undoable`: the move returned records what it replaced (``Snapshot/undo(_:)``), and a
    /// throw leaves the snapshot as it was; otherwise (an advance of a copy) it records nothing.
    /// - Returns: the move, and how many events it read after the snapshot.
    func run(
        _ snapshot: inout Snapshot, to position: Int64, validAt valid: Timestamp, undoable: Bool = true, _ tx: LogTransaction
    ) throws -> (move: Snapshot.Move, laterEvents: Int) {
        precondition(snapshot.isUsable(valid: valid, position: position), "a snapshot only goes forward")
        let base = (kind: snapshot.kind, position: snapshot.position, pending: snapshot.pending)
        let kind = base.kind
        // The snapshot's streams are looked up by their stored bytes when many events are read
        // (no text made per record); a short advance — a follower's step — names only the
        // streams its events touch, instead of building a table of every stream each time.
        let many = position - base.position > Int64(snapshot.streams.count)
        var names = StreamNames(kind: kind, known: many ? Array(snapshot.streams.keys) : [])
        let records = RecordList()
        // The snapshot's pending events due by `valid` (at or before its position), then every
        // event of the kind after it: all in seq order. The others stay pending.
        let due = base.pending.filter { $0.validFrom <= valid }
        try records.append(tx, positions: due.map(\.seq), names: &names)
        try records.append(tx, kind: kind, after: base.position, through: position, names: &names)
        let fold = records.fold

        // Each stream's records, in seq order.
        var starts = [Int](repeating: 0, count: names.count + 1)
        for i in 0..<records.count { starts[Int(records.streams[i]) + 1] += 1 }
        for i in 0..<names.count { starts[i + 1] += starts[i] }
        var positions = [Int](repeating: 0, count: records.count)
        var next = starts
        for i in 0..<records.count {
            let s = Int(records.streams[i])
            positions[next[s]] = i
            next[s] += 1
        }

        // A retraction of an event the snapshot's state may have folded (not one of its pending
        // ones) makes that state wrong. One of a pending event not due: it is pending no more.
        let wasPending = Set(base.pending.map(\.seq))
        var stale: Set<Int> = []
        var retracted: Set<Int64> = []
        for i in 0..<records.count where records.base[i].type == RecordFold.retraction {
            let s = Int(records.streams[i])
            guard case .eventRetracted(let target, _) = try fold.decode(records.base + i, names.stream(s)).event else { continue }
            retracted.insert(target)
            if target <= base.position && !wasPending.contains(target) { stale.insert(s) }
        }

        var replaced: [String: Snapshot.Stream?] = [:]
        func write(_ id: String, _ state: Snapshot.Stream?) {
            let old = state.map { snapshot.streams.updateValue($0, forKey: id) } ?? snapshot.streams.removeValue(forKey: id)
            // The first state replaced is the one to go back to (each stream is written once).
            if undoable, replaced.index(forKey: id) == nil { replaced.updateValue(old, forKey: id) }
        }
        do {
            var pending: [(EntityKind, Snapshot.Scheduled)] = []
            for s in 0..<names.count where starts[s] < starts[s + 1] && !stale.contains(s) {
                let id = names.id(s)
                switch try fold.foldStream(
                    Array(positions[starts[s]..<starts[s + 1]]), names.stream(s), validAt: valid, from: snapshot.streams[id],
                    pending: &pending)
                {
                case .stale: stale.insert(s)
                case .folded(let state): write(id, state)
                }
            }
            var newPending = base.pending.filter { $0.validFrom > valid && !retracted.contains($0.seq) } + pending.map(\.1)

            let refolded = stale.map { names.stream($0) }.sorted { $0.id < $1.id }
            if !refolded.isEmpty {
                let fresh = try refold(refolded, to: position, validAt: valid, tx)
                for stream in refolded { write(stream.id, fresh.streams[stream.id]) }
                newPending += fresh.pending
            }
            // A stale stream's pending events not due are carried over and folded again: once each.
            newPending = Array(Set(newPending)).sorted()
            let touched = (0..<names.count).filter { starts[$0] < starts[$0 + 1] }.map { names.stream($0) }.sorted { $0.id < $1.id }
            let move = Snapshot.Move(
                refolded: refolded, touched: touched, replaced: replaced, undoable: undoable, position: snapshot.position,
                validAt: snapshot.validAt,
                pending: snapshot.pending)
            (snapshot.position, snapshot.validAt, snapshot.pending) = (position, valid, newPending)
            return (move, records.count)
        } catch {
            // Each stream written goes back (each was written once).
            for (id, old) in replaced {
                if let old { snapshot.streams[id] = old } else { snapshot.streams[id] = nil }
            }
            throw error
        }
    }

    /// `streams` folded again from all their events as of `(valid, #position)`.
    func refold(_ streams: [StreamID], to position: Int64, validAt valid: Timestamp, _ tx: LogTransaction) throws -> Snapshot.Refolded {
        let counts = try streams.map { try tx.newestRevision(of: $0) }
        if counts.reduce(0, +) * refoldScanShare > position {
            return try Replay().refold(streams, validAt: valid, position: position, tx)
        }
        var names = StreamNames(kind: streams[0].kind, known: [])
        let records = RecordList()
        for stream in streams { try records.append(tx, stream: stream, through: position, names: &names) }
        let fold = records.fold
        var out = Snapshot.Refolded(streams: [:], pending: [])
        var pending: [(EntityKind, Snapshot.Scheduled)] = []
        // One stream after another: each one's records lie together, in seq order.
        var start = 0
        while start < records.count {
            var end = start + 1
            while end < records.count, records.streams[end] == records.streams[start] { end += 1 }
            let stream = names.stream(Int(records.streams[start]))
            if case .folded(let state?) = try fold.foldStream(Array(start..<end), stream, validAt: valid, pending: &pending) {
                out.streams[stream.id] = state
            }
            start = end
        }
        out.pending = pending.map(\.1)
        return out
    }
}
