internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// The records of one pass: one anonymous mapping, with huge pages asked for. The records are
/// written in an order scattered over the whole buffer (each to its stream's place), and read
/// stream by stream; with 4 KiB pages nearly every one of those accesses also misses the TLB.
/// Pages are zero until written, and only the slots written are read.
final class RecordBuffer: @unchecked Sendable {  // slots are written by one scan each, read after the scans have joined
    let base: UnsafeMutablePointer<CompactEvent>
    let count: Int
    private let bytes: Int

    init(count: Int) throws {
        self.count = count
        let hugePage = 2 << 20
        bytes = max(1, (count * MemoryLayout<CompactEvent>.stride + hugePage - 1) / hugePage) * hugePage
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw StoreError.read(reason: "cannot map \(bytes) bytes for a replay pass (\(String(cString: strerror(errno))))")
        }
        #if os(Linux)
            _ = madvise(p, bytes, MADV_HUGEPAGE)
        #endif
        base = p.bindMemory(to: CompactEvent.self, capacity: count)
    }

    deinit { munmap(base, bytes) }
}
