/// Reading the commonest payloads straight from their stored bytes, without building a
/// ``JSONValue``: the full replay's fast path (most of a log is status changes and memory stores,
/// flat objects of strings and numbers).
///
/// It reads only what it is sure of: a flat object whose members are plain ASCII strings (no
/// escapes), numbers of at most 15 significant digits without an exponent, `null`, `true` or
/// `false`, with each member at most once. Anything else gives nil, and the caller reads the
/// payload with ``init(type:version:payload:)``, which gives the same event for every payload
/// this reader takes (a property test holds it to that).
extension DomainEvent {
    public init?(type: String, version: Int, flatPayload bytes: UnsafeRawBufferPointer) {
        switch (type, version) {
        case ("task.status_changed", 1), ("workflow.status_changed", 1):
            var status: FlatValue?, progress: FlatValue?
            guard
                FlatObject.read(
                    bytes,
                    { key, value in
                        if FlatObject.equal(key, "status") { return FlatObject.setOnce(&status, value) }
                        if FlatObject.equal(key, "progress") { return FlatObject.setOnce(&progress, value) }
                        return true
                    })
            else { return nil }
            guard case .string(let s)? = status else { return nil }
            let p: Double?
            switch progress {
            case nil, .null?: p = nil
            case .number(let n)?: p = n
            default: return nil
            }
            if type == "task.status_changed" {
                guard let st = TaskStatus(rawValue: String(decoding: s, as: UTF8.self)) else { return nil }
                self = .taskStatusChanged(status: st, progress: p)
            } else {
                guard let st = WorkflowStatus(rawValue: String(decoding: s, as: UTF8.self)) else { return nil }
                self = .workflowStatusChanged(status: st, progress: p)
            }
        case ("memory.stored", 1), ("memory.stored", 2):
            // v1 names the memory's type "type" (see ``Upcast``); a v1 payload that also has a
            // "memory_type" member is left to the full reader.
            let typeKey: StaticString = version == 1 ? "type" : "memory_type"
            var value: FlatValue?, memoryType: FlatValue?, category: FlatValue?, significance: FlatValue?
            guard
                FlatObject.read(
                    bytes,
                    { key, v in
                        if FlatObject.equal(key, "value") { return FlatObject.setOnce(&value, v) }
                        if FlatObject.equal(key, typeKey) { return FlatObject.setOnce(&memoryType, v) }
                        if FlatObject.equal(key, "category") { return FlatObject.setOnce(&category, v) }
                        if FlatObject.equal(key, "significance") { return FlatObject.setOnce(&significance, v) }
                        return version == 2 || !FlatObject.equal(key, "memory_type")
                    })
            else { return nil }
            guard case .string(let t)? = memoryType else { return nil }
            // As the full reader: a category that is not a string, or a significance that is not
            // a number, reads as absent.
            var c: String?
            if case .string(let s)? = category { c = String(decoding: s, as: UTF8.self) }
            let sig: Double?
            if case .number(let n)? = significance { sig = n } else { sig = nil }
            self = .memoryStored(value: value?.json ?? .null, type: String(decoding: t, as: UTF8.self), category: c, significance: sig)
        default:
            return nil
        }
    }
}

/// A scalar member value of a flat object, its string still in the stored bytes.
enum FlatValue {
    case string(UnsafeRawBufferPointer)
    case number(Double)
    case bool(Bool)
    case null

    var json: JSONValue {
        switch self {
        case .string(let s): .string(String(decoding: s, as: UTF8.self))
        case .number(let n): .number(n)
        case .bool(let b): .bool(b)
        case .null: .null
        }
    }
}

enum FlatObject {
    /// Calls `member` for each member of the object in `bytes`, in order; false when the bytes are
    /// not a flat object this reader takes, or when `member` returns false.
    static func read(_ bytes: UnsafeRawBufferPointer, _ member: (UnsafeRawBufferPointer, FlatValue) -> Bool) -> Bool {
        var i = 0
        let n = bytes.count
        func skipSpace() { while i < n, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 } }
        func string() -> UnsafeRawBufferPointer? {
            guard i < n, bytes[i] == 34 else { return nil }
            i += 1
            let start = i
            while i < n, bytes[i] != 34 {
                guard bytes[i] >= 32, bytes[i] < 128, bytes[i] != 92 else { return nil }
                i += 1
            }
            guard i < n else { return nil }
            i += 1
            return UnsafeRawBufferPointer(rebasing: bytes[start..<i - 1])
        }
        func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard i + count <= n else { return false }
            for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
            i += count
            return true
        }
        skipSpace()
        guard i < n, bytes[i] == 123 else { return false }
        i += 1
        skipSpace()
        if i < n, bytes[i] == 125 {
            i += 1
        } else {
            while true {
                skipSpace()
                guard let key = string() else { return false }
                skipSpace()
                guard i < n, bytes[i] == 58 else { return false }
                i += 1
                skipSpace()
                guard i < n else { return false }
                let value: FlatValue
                switch bytes[i] {
                case 34:
                    guard let s = string() else { return false }
                    value = .string(s)
                case 45, 48...57:
                    guard let d = number(bytes, &i) else { return false }
                    value = .number(d)
                case 116:
                    guard literal("true") else { return false }
                    value = .bool(true)
                case 102:
                    guard literal("false") else { return false }
                    value = .bool(false)
                case 110:
                    guard literal("null") else { return false }
                    value = .null
                default:
                    return false
                }
                guard member(key, value) else { return false }
                skipSpace()
                guard i < n else { return false }
                if bytes[i] == 44 {
                    i += 1
                    continue
                }
                guard bytes[i] == 125 else { return false }
                i += 1
                break
            }
        }
        skipSpace()
        return i == n
    }

    /// A number without an exponent and with at most 15 significant digits, read exactly as
    /// `Double(String)` reads it: the digits make an integer below 2^53 and the scale a power of
    /// ten up to 10^22, both exact, so one division rounds correctly. Nil for any other number.
    static func number(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> Double? {
        let n = bytes.count
        var j = i
        let negative = bytes[j] == 45
        if negative { j += 1 }
        let intStart = j
        var mantissa: UInt64 = 0
        var digits = 0
        while j < n, bytes[j] >= 48, bytes[j] <= 57 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[j] - 48)
            if mantissa != 0 { digits += 1 }
            j += 1
        }
        let intDigits = j - intStart
        guard intDigits > 0, bytes[intStart] != 48 || intDigits == 1 else { return nil }
        var scale = 0
        if j < n, bytes[j] == 46 {
            j += 1
            let fracStart = j
            while j < n, bytes[j] >= 48, bytes[j] <= 57 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[j] - 48)
                if mantissa != 0 { digits += 1 }
                j += 1
            }
            scale = j - fracStart
            guard scale > 0 else { return nil }
        }
        guard digits <= 15, scale <= 22 else { return nil }
        if j < n, bytes[j] == 101 || bytes[j] == 69 { return nil }
        i = j
        let magnitude = Double(mantissa) / powersOfTen[scale]
        return negative ? -magnitude : magnitude
    }

    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }

    static func equal(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard n == key.count else { return false }
        for k in 0..<n where key[k] != name.utf8Start[k] { return false }
        return true
    }

    /// Sets `slot` the first time; a repeated member makes the object one this reader leaves alone.
    static func setOnce(_ slot: inout FlatValue?, _ value: FlatValue) -> Bool {
        guard slot == nil else { return false }
        slot = value
        return true
    }
}
