internal import ChronicleCore
internal import Dispatch
internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// Memory for one value per thread of a `concurrentPerform`, each written by its own thread only.
struct UnsafeSharedSlots<T>: @unchecked Sendable {  // each slot is written by one thread, read after all have joined
    let base: UnsafeMutablePointer<T>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
    init(base: UnsafeMutablePointer<T>) { self.base = base }
}
