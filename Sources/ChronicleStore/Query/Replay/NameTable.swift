internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// Names → their index, looked up by the bytes SQLite returns (no String made per row): open
/// addressing over FNV-1a hashes, names compared byte for byte.
final class NameTable: @unchecked Sendable {  // filled in init, only read afterwards
    private let bytes: UnsafeMutablePointer<UInt8>
    private let starts: UnsafeMutablePointer<Int>
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int

    init(_ names: [String]) {
        var all: [UInt8] = []
        var offsets: [Int] = [0]
        for n in names {
            all += n.utf8
            offsets.append(all.count)
        }
        var size = 16
        while size < names.count * 2 { size *= 2 }
        var table = [Int32](repeating: -1, count: size)
        for i in names.indices {
            let name = all[offsets[i]..<offsets[i + 1]]
            var h = name.withUnsafeBytes { Self.hash($0) } & (size - 1)
            while table[h] >= 0 {
                // A repeated name keeps its first index.
                if all[offsets[Int(table[h])]..<offsets[Int(table[h]) + 1]].elementsEqual(name) { break }
                h = (h + 1) & (size - 1)
            }
            if table[h] < 0 { table[h] = Int32(i) }
        }
        bytes = .allocate(capacity: max(all.count, 1))
        bytes.initialize(from: all, count: all.count)
        starts = .allocate(capacity: offsets.count)
        starts.initialize(from: offsets, count: offsets.count)
        slots = .allocate(capacity: size)
        slots.initialize(from: table, count: size)
        mask = size - 1
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        slots.deallocate()
    }

    /// Names of 8 to 16 bytes (most stream and type names) are hashed and compared as two
    /// overlapping 8-byte words; others byte by byte.
    static func hash(_ p: UnsafeRawBufferPointer) -> Int {
        let n = p.count
        if n >= 8 {
            let a = p.loadUnaligned(as: UInt64.self), b = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            let h = (a ^ (b &<< 29 | b &>> 35) ^ UInt64(n)) &* 0x9E37_79B9_7F4A_7C15
            return Int(truncatingIfNeeded: h ^ h &>> 29)
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h)
    }

    func index(of name: UnsafeRawBufferPointer) -> Int? {
        let n = name.count
        var h = Self.hash(name) & mask
        while true {
            let i = Int(slots[h])
            if i < 0 { return nil }
            if starts[i + 1] - starts[i] == n {
                let stored = UnsafeRawPointer(bytes + starts[i])
                if n >= 8 && n <= 16 {
                    if stored.loadUnaligned(as: UInt64.self) == name.loadUnaligned(as: UInt64.self)
                        && stored.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                            == name.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                    {
                        return i
                    }
                } else if n == 0 || memcmp(stored, name.baseAddress!, n) == 0 {
                    return i
                }
            }
            h = (h + 1) & mask
        }
    }
}
