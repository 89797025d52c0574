internal import Foundation

/// The random commands of the projections' property and crash tests: one line at a time of a
/// history of five tasks, five memory keys and one workflow, with late, future-dated (due a
/// few commits later under the test clock, whose commits are 1 ms apart), retracted and
/// forgotten values, and tasks changing status, keywords, confidence, intent, relations and
/// context paths.
public enum RandomHistory {
    /// The `n`-th line, `seq` events having been appended before it (a retraction names one of
    /// them). `futureDated: false` for a test that reads each change as the effect of an event
    /// of its own batch (a scheduled change falls due in a later batch than its event's).
    public static func line(_ n: Int, seq: Int, futureDated: Bool = true, _ random: inout SeededRandom) -> String {
        let k = Int.random(in: 0..<5, using: &random)
        let keywords = ["auth", "ui", "api"].shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random))
        switch Int.random(in: 0..<11, using: &random) {
        case 0: return "ms:key_\(k)|v\(n)|semantic"
        case 1: return "[valid=2025-05-\(10 + k)T00:00:00Z] ms:key_\(k)|late_\(n)|episodic"
        case 2:
            guard futureDated else { return "ms:key_\(k)|now_\(n)|procedural" }
            // 1–40 ms after the newest commit: due a few commits on.
            let ms = n + Int.random(in: 1...40, using: &random)
            return "[valid=2025-06-01T10:00:00.\(String(format: "%03d", min(ms, 999)))Z] ms:key_\(k)|future_\(n)|semantic"
        case 3: return "{\"cmd\":\"memory.forget\",\"key\":\"key_\(k)\"}"
        case 4:
            return
                "{\"cmd\":\"task.create\",\"id\":\"t\(k)\",\"title\":\"Task \(k)\",\"intent\":\"feature\",\"complexity\":\"low\",\"keywords\":[\"k\(n % 3)\"],\"context_cascade\":\"agents/dev/c\(k % 2)\"}"
        case 5:
            return
                "{\"cmd\":\"task.update\",\"id\":\"t\(k)\",\"set\":{\"context_cascade\":\"agents/dev/c\(n % 3)\",\"intent\":\"i\(n % 2)\"}}"
        case 6: return "su:t\(k)|in_progress|0.\(Int.random(in: 1...9, using: &random))"
        case 7:
            let list = keywords.map { "\"\($0)\"" }.joined(separator: ",")
            return "{\"cmd\":\"task.update\",\"id\":\"t\(k)\",\"set\":{\"keywords\":[\(list)],\"confidence\":0.\(n % 9 + 1)}}"
        case 8: return "{\"cmd\":\"task.relate\",\"id\":\"t\(k)\",\"related\":[\"t\((k + 1) % 5)\"]}"
        case 9: return "{\"cmd\":\"workflow.start\",\"workflow\":\"deploy\",\"params\":{\"n\":\(k)}}"
        default:
            return seq > 0 ? "{\"cmd\":\"event.retract\",\"seq\":\(Int.random(in: 1...seq, using: &random))}" : "ms:key_0|first|semantic"
        }
    }
}
