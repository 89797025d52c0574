/// Parsing and printing RFC 3339 times without Foundation's formatters (exact to the microsecond).
extension Timestamp {
    /// The earliest and latest times the log accepts: years 0001 through 9999, as RFC 3339 writes them.
    public static let earliest = Timestamp(microseconds: -62_135_596_800_000_000)
    public static let latest = Timestamp(microseconds: 253_402_300_799_999_999)

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `t` and `z` and a space for `T` are accepted too.
    ///
    /// Returns nil for anything else, including impossible dates (`2025-02-30`) and
    /// fractions finer than a microsecond are truncated.
    public init?(rfc3339 text: some StringProtocol) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2)
        else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2)
        else { return nil }
        var micros = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if count < 6 { micros = micros * 10 + Int(b[i] - 48) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in Swift.min(count, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 61
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds =
            Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + Swift.min(second, 59))
            - Int64(offsetSeconds)
        let value = Timestamp(microseconds: seconds * 1_000_000 + Int64(micros))
        guard value >= .earliest, value <= .latest else { return nil }
        self = value
    }

    /// The RFC 3339 form in UTC; fractional seconds only when non-zero, without trailing zeros.
    public var rfc3339: String {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = Self.civilFromDays(Int(days))
        if (0...9999).contains(y) { return Self.format(y, m, d, Int(rem), Int(micros)) }
        var out = ""
        out.reserveCapacity(27)
        // Years past 9999 or before 1 (times the log refuses, like a snapshot's "before every
        // event") print with more digits or a sign rather than trap.
        func pad(_ v: Int, _ width: Int) {
            let s = String(v)
            if s.count < width { out.append(String(repeating: "0", count: width - s.count)) }
            out.append(s)
        }
        pad(y, 4); out.append("-"); pad(m, 2); out.append("-"); pad(d, 2); out.append("T")
        pad(Int(rem / 3600), 2); out.append(":"); pad(Int(rem % 3600 / 60), 2); out.append(":")
        pad(Int(rem % 60), 2)
        if micros != 0 {
            var frac = micros
            var width = 6
            while frac % 10 == 0 {
                frac /= 10
                width -= 1
            }
            out.append(".")
            pad(Int(frac), width)
        }
        out.append("Z")
        return out
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` for a year of four digits, written into one buffer (a
    /// hot path: every time a view shows).
    private static func format(_ y: Int, _ m: Int, _ d: Int, _ secondOfDay: Int, _ micros: Int) -> String {
        var frac = micros
        var width = micros == 0 ? 0 : 6
        while width > 0, frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        let count = 20 + (width > 0 ? 1 + width : 0)
        return String(unsafeUninitializedCapacity: count) { out in
            func put(_ value: Int, _ digits: Int, at start: Int) {
                var v = value
                for i in stride(from: start + digits - 1, through: start, by: -1) {
                    out[i] = UInt8(ascii: "0") &+ UInt8(v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0)
            out[4] = UInt8(ascii: "-")
            put(m, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            put(d, 2, at: 8)
            out[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            out[13] = UInt8(ascii: ":")
            put(secondOfDay % 3600 / 60, 2, at: 14)
            out[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            if width > 0 {
                out[19] = UInt8(ascii: ".")
                put(frac, width, at: 20)
            }
            out[count - 1] = UInt8(ascii: "Z")
            return count
        }
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
