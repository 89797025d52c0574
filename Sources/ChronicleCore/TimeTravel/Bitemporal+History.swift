extension Bitemporal {
    /// Every version of the stream whose events (retractions included) are `events`, ordered by
    /// recorded start, then valid start. Versions a tie in valid time hides at once (the earlier
    /// `seq` of two events at one valid time) hold over an empty interval and are left out.
    /// - Complexity: O(t · n log n) for n events recorded at t distinct times.
    public static func history(of events: [RecordedEvent]) -> [Version] {
        let times = Set(events.map(\.recordedAt)).sorted()
        var open: [Key: Version] = [:]
        var closed: [Version] = []
        for t in times {
            let known = KnownAt.time(t)
            let retracted = retracted(in: events, knownAt: known)
            let ordered = Fold.live(events.lazy.filter { known.knows($0) }, retracted: retracted)
            var now: [Key: Version] = [:]
            var state: Entity?
            for (i, e) in ordered.enumerated() {
                state = Entity.evolve(state, e)
                let validTo = i + 1 < ordered.count ? ordered[i + 1].validFrom : nil
                if let validTo, validTo <= e.validFrom { continue }
                let key = Key(seq: e.seq, validFrom: e.validFrom, validTo: validTo)
                // A version still believed keeps its recorded start; a changed state is a new version.
                if let v = open[key], v.state == state {
                    now[key] = v
                } else {
                    now[key] = Version(
                        seq: e.seq, commandID: e.commandID, validFrom: e.validFrom, validTo: validTo, recordedFrom: t, recordedTo: nil,
                        fate: .current, state: state)
                }
            }
            for (key, var v) in open where now[key]?.recordedFrom != v.recordedFrom {
                v.recordedTo = t
                v.fate = retracted.contains(v.seq) ? .retracted : .corrected
                closed.append(v)
            }
            open = now
        }
        return (closed + open.values).sorted { ($0.recordedFrom, $0.validFrom, $0.seq) < ($1.recordedFrom, $1.validFrom, $1.seq) }
    }

    /// What makes a rectangle the same across recorded times (with its state).
    private struct Key: Hashable {
        var seq: Int64
        var validFrom: Timestamp
        var validTo: Timestamp?
    }
}
