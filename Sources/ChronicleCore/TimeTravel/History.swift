/// One version of an entity in the bi-temporal plane: the state its event made, over a valid
/// interval `[validFrom, validTo)` and a recorded interval `[recordedFrom, recordedTo)` — a
/// rectangle of a bitemporal chart. A nil end is open.
public struct Version: Sendable, Equatable {
    /// What became of the version.
    public enum Fate: String, Sendable {
        /// Still believed.
        case current
        /// A later-recorded event changed its state or its valid interval.
        case corrected
        /// Its event was retracted.
        case retracted
    }

    /// The event whose fold made the version.
    public var seq: Int64
    public var validFrom: Timestamp
    public var validTo: Timestamp?
    public var recordedFrom: Timestamp
    public var recordedTo: Timestamp?
    public var fate: Fate
    /// The state over the rectangle; nil where the entity did not exist (a forgotten key).
    public var state: Entity?
}

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
            let ordered = events.filter { known.knows($0) && !$0.isRetraction && !retracted.contains($0.seq) }
                .sorted { ($0.validFrom, $0.seq) < ($1.validFrom, $1.seq) }
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
                        seq: e.seq, validFrom: e.validFrom, validTo: validTo, recordedFrom: t, recordedTo: nil, fate: .current,
                        state: state)
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
