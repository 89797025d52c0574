internal import GRDBSQLite

// Binding, reading and resetting prepared statements, for the hand-written SQL of the hot paths.

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

func bindText(_ h: OpaquePointer, _ i: Int32, _ s: String) {
    var s = s
    s.withUTF8 { b in
        _ = sqlite3_bind_text(h, i, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(b.count), transient)
    }
}

func bindBlobAsText(_ h: OpaquePointer, _ i: Int32, _ utf8: [UInt8]) {
    utf8.withUnsafeBytes { p in
        _ = sqlite3_bind_text(h, i, p.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(p.count), transient)
    }
}

func bindBlob(_ h: OpaquePointer, _ i: Int32, _ b: [UInt8]) {
    b.withUnsafeBytes { p in _ = sqlite3_bind_blob(h, i, p.baseAddress, Int32(p.count), transient) }
}

/// A column's bytes (empty for NULL or an empty value).
func columnBlob(_ h: OpaquePointer, _ i: Int32) -> [UInt8] {
    let n = Int(sqlite3_column_bytes(h, i))
    guard n > 0, let p = sqlite3_column_blob(h, i) else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: n))
}

/// Makes a cached statement ready for its next use: reset, bindings cleared (a bound buffer
/// must not outlive the call that bound it).
func resetAndClear(_ h: OpaquePointer) {
    sqlite3_reset(h)
    sqlite3_clear_bindings(h)
}
