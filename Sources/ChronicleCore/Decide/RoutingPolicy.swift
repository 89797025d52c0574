/// How a new task is routed: a pure function of its confidence and complexity.
///
/// The thresholds come from a version-controlled file (`config/routing.yaml`), loaded once at
/// start; these are the built-in defaults.
public struct RoutingPolicy: Sendable, Equatable {
    /// Confidence given to a task created without one (`tc:` lines), by complexity.
    public var defaultConfidence: [Complexity: Double]
    /// At or above this confidence a task of the complexity is done in one shot.
    public var oneShotMin: [Complexity: Double]
    /// Below this confidence a task is split.
    public var splitBelow: Double

    public init(defaultConfidence: [Complexity: Double], oneShotMin: [Complexity: Double], splitBelow: Double) {
        self.defaultConfidence = defaultConfidence
        self.oneShotMin = oneShotMin
        self.splitBelow = splitBelow
    }

    public static let builtIn = RoutingPolicy(
        defaultConfidence: [.low: 0.9, .medium: 0.75, .high: 0.6],
        oneShotMin: [.low: 0.7, .medium: 0.8, .high: 0.9],
        splitBelow: 0.5)

    public func confidence(for complexity: Complexity) -> Double { defaultConfidence[complexity] ?? 0.5 }

    /// `one_shot`, `guided` or `split`.
    public func route(confidence: Double, complexity: Complexity) -> String {
        if confidence < splitBelow { return "split" }
        if confidence >= (oneShotMin[complexity] ?? 1) { return "one_shot" }
        return "guided"
    }
}
