internal import ChronicleCore
internal import GRDB

extension EventLog {
    /// Appends events exported from another log, exactly as they were stored (payloads keep
    /// their version; codec and hash are computed here, chained to this log). They must go on
    /// from this log as `verify` requires: the next positions, each stream's next revisions,
    /// recorded times that never go back, types of the stream's kind, decodable payloads.
    /// Nothing is appended when one is refused. For restoring a copy (`chronicle tail --format
    /// json` prints this form), and for logs of older payload versions.
    public func importEvents(_ events: [ExportedEvent]) throws {
        try write { tx in
            let tail = try tx.tail()
            var expected = (tail?.seq ?? 0) + 1
            var lastRecorded = tail?.recordedAt ?? Timestamp(microseconds: .min)
            var revisions: [StreamID: Int] = [:]
            var imported: [Int64: (StreamID, Bool)] = [:]
            try tx.startChain(after: tail?.hash ?? HashChain.genesis)
            let h = try tx.hot.statement(.insert, tx.db)
            for e in events {
                func refuse(_ reason: String) -> StoreError { StoreError.corruptEvent(seq: e.seq, reason: reason) }
                guard e.seq == expected else { throw refuse("expected position \(expected)") }
                if revisions[e.stream] == nil { revisions[e.stream] = try tx.events(stream: e.stream).last?.streamRevision ?? 0 }
                guard e.streamRevision == revisions[e.stream]! + 1 else {
                    throw refuse("\(e.stream) revision \(e.streamRevision), expected \(revisions[e.stream]! + 1)")
                }
                revisions[e.stream] = e.streamRevision
                guard e.recordedAt >= lastRecorded else { throw refuse("recorded_at goes back in time") }
                lastRecorded = e.recordedAt
                guard e.type == "event.retracted" || e.type.hasPrefix(e.stream.kind.rawValue + ".") else {
                    throw refuse("a \(e.type) event on stream \(e.stream)")
                }
                let event: DomainEvent
                do {
                    event = try DomainEvent(type: e.type, version: e.typeVersion, payload: e.payload)
                } catch {
                    throw StoreError.corruptEvent(seq: e.seq, reason: "\(error)")
                }
                // A retraction goes on its target's stream (every reader folds a stream with the
                // retractions stored on it), and names an earlier event that is not a retraction.
                if case .eventRetracted(let target, _) = event {
                    let found = try imported[target] ?? (target < e.seq ? tx.event(at: target).map { ($0.stream, $0.isRetraction) } : nil)
                    guard let found, found.0 == e.stream else {
                        throw refuse("a retraction of #\(target) on stream \(e.stream), not on the stream of an earlier event")
                    }
                    guard !found.1 else { throw refuse("a retraction of #\(target), itself a retraction") }
                }
                imported[e.seq] = (e.stream, e.type == "event.retracted")
                var json: [UInt8] = []
                e.payload.write(into: &json)
                try tx.encoder.insert(
                    PendingEvent(
                        seq: e.seq, stream: e.stream, streamRevision: e.streamRevision, event: .memoryForgotten,
                        validFrom: e.validFrom.microseconds, recordedAt: e.recordedAt.microseconds, commandID: e.commandID),
                    type: e.type, version: e.typeVersion, payloadJSON: json, with: h)
                if e.stream.kind == .task, let path = event.namedContextPath { try tx.recordContextPath(path, task: e.stream.id) }
                expected += 1
            }
        }
    }
}
