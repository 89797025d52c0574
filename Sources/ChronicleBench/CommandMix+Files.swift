extension CommandMix {
    /// What a prefix of the stream holds.
    struct Summary {
        var lines: Int
        var eventLines: Int
        var streams: Int
        var counts: [Kind: Int]
        var bytes: Int
    }

    /// Writes the first `count` lines of the stream seeded with `seed` to `path`, and its first
    /// `prefixCount` lines also to `prefixPath` (a prefix is valid on its own too).
    /// - Complexity: O(count); memory O(tasks made), the file is written in 1 MiB pieces.
    static func writeFiles(seed: UInt64, count: Int, path: String, prefixCount: Int, prefixPath: String) throws -> (
        all: Summary, prefix: Summary
    ) {
        var mix = CommandMix(seed: seed)
        let full = try OutputFile(path: path)
        let part = try OutputFile(path: prefixPath)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        var bytes = 0
        var prefix: Summary?
        for i in 0..<count {
            buffer.append(contentsOf: mix.next().utf8)
            buffer.append(10)
            if i + 1 == prefixCount || buffer.count >= 1 << 20 || i + 1 == count {
                try full.append(buffer)
                if prefix == nil { try part.append(buffer) }
                bytes += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            if i + 1 == prefixCount {
                prefix = mix.summary(bytes: bytes)
            }
        }
        return (mix.summary(bytes: bytes), prefix ?? mix.summary(bytes: bytes))
    }

    /// `count` lines of the stream seeded with `seed`, in memory.
    static func lines(seed: UInt64, count: Int) -> [String] {
        var mix = CommandMix(seed: seed)
        return (0..<count).map { _ in mix.next() }
    }

    private func summary(bytes: Int) -> Summary {
        Summary(lines: lines, eventLines: eventLines, streams: streams, counts: counts, bytes: bytes)
    }
}
