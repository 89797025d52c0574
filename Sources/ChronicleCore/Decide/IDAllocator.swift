/// Makes the readable, deterministic ids of tasks and workflow instances: `<slug>_<n>`, with a
/// per-slug counter from 001 that skips ids already taken. Derived from the log only.
public struct IDAllocator: Sendable, Equatable {
    /// The highest counter seen per slug (from generated and explicit ids alike).
    public private(set) var counters: [String: Int] = [:]

    public init() {}

    /// Notes an id that now exists, so the counter of its slug moves past it.
    public mutating func observe(_ id: String) {
        guard let underscore = id.lastIndex(of: "_") else { return }
        let digits = id[id.index(after: underscore)...]
        guard digits.count >= 3, digits.count <= 9, let n = Int(digits) else { return }
        observe(slug: String(id[..<underscore]), counter: n)
    }

    /// Notes that an id `<slug>_<counter>` exists (a counter read from the log).
    public mutating func observe(slug: String, counter n: Int) {
        if n > counters[slug, default: 0] { counters[slug] = n }
    }

    /// The next free id for `slug`; `exists` tells whether an id is taken. The counter moves
    /// only when the id is ``observe(_:)``d, that is once its entity is recorded.
    public func next(_ slug: String, exists: (String) throws -> Bool) rethrows -> String {
        var n = counters[slug, default: 0] + 1
        while try exists(Identifier.numbered(slug, n)) { n += 1 }
        return Identifier.numbered(slug, n)
    }
}
