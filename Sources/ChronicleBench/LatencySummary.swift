/// Percentiles of a set of latencies (nearest-rank).
struct LatencySummary {
    let count: Int
    let p50: Double
    let p99: Double
    let max: Double

    /// - Complexity: O(n log n).
    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let i = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, i))]
        }
        p50 = rank(0.50)
        p99 = rank(0.99)
        max = sorted.last ?? .nan
    }
}
