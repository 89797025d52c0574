internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// Bytes appended one after another: the stored payloads and command ids of a pass. Filled by
/// the scan (``Filling``), then only read, by the folding threads.
final class ByteArena: @unchecked Sendable {  // immutable once made: read by the folding threads only
    private let base: UnsafeMutableRawPointer

    init(_ filled: consuming Filling) { base = filled.take() }

    deinit { base.deallocate() }

    func bytes(_ start: Int, _ n: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + start, count: n) }

    /// The arena while the scan fills it: a value, so appends pay no access checks, and not
    /// copyable, since a copy would keep the memory an append of the other one frees.
    struct Filling: ~Copyable {
        private var base: UnsafeMutableRawPointer
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            base = .allocate(byteCount: self.capacity, alignment: 8)
        }

        deinit { base.deallocate() }

        /// The bytes, handed over to their owner.
        fileprivate consuming func take() -> UnsafeMutableRawPointer {
            let bytes = base
            discard self
            return bytes
        }

        mutating func append(_ bytes: UnsafeRawPointer?, _ n: Int) {
            guard n > 0, let bytes else { return }
            if count + n > capacity {
                capacity = max(capacity * 2, count + n)
                let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
                grown.copyMemory(from: base, byteCount: count)
                base.deallocate()
                base = grown
            }
            (base + count).copyMemory(from: bytes, byteCount: n)
            count += n
        }
    }
}
