import ChronicleCore
import Foundation
import Testing

@Suite struct TimestampTests {
    /// Accepted texts and their instant, in microseconds since the Unix epoch.
    static let valid: [(String, Int64)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000001Z", 1),
        ("1970-01-01T00:00:00.5Z", 500_000),
        ("1970-01-01T00:00:00.123456789Z", 123_456),  // finer than a microsecond: truncated
        ("1969-12-31T23:59:59.999999Z", -1),
        ("1969-12-31T23:59:59.5Z", -500_000),
        ("2025-06-01T10:00:00Z", 1_748_772_000_000_000),
        ("2025-06-01t10:00:00z", 1_748_772_000_000_000),
        ("2025-06-01 10:00:00Z", 1_748_772_000_000_000),
        ("2025-06-01T12:00:00+02:00", 1_748_772_000_000_000),
        ("2025-06-01T05:30:00-04:30", 1_748_772_000_000_000),
        ("2025-06-02T00:00:00+14:00", 1_748_772_000_000_000),
        ("2025-06-01T10:00:00-00:00", 1_748_772_000_000_000),
        ("1970-01-01T01:00:00+01:00", 0),
        ("1969-12-31T19:00:00-05:00", 0),
        // Leap years: divisible by 4, except centuries, except every 400 years.
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000_000),
        ("2024-12-31T23:59:59Z", 1_735_689_599_000_000),
        ("2023-03-01T00:00:00Z", 1_677_628_800_000_000),
        // The range the log accepts: years 0001 through 9999.
        ("0001-01-01T00:00:00Z", -62_135_596_800_000_000),
        ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
        ("0001-01-01T00:00:00-01:00", -62_135_593_200_000_000),
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ microseconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.microseconds == microseconds)
    }

    static let invalid: [String] = [
        "2025-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z", "2025-06-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z",
        "2025-06-00T00:00:00Z", "2025-06-32T00:00:00Z", "2025-06-01T24:00:00Z", "2025-06-01T23:60:00Z",
        "2025-06-01T23:59:61Z", "99999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
        "+2025-06-01T10:00:00Z", "9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01",
        "2025-06-01T10:00:00", "2025-06-01T10:00:00.Z", "2025-06-01T10:00:00.", "2025-06-01", "2025-06-01T10:00Z",
        "2025-06-01T10:00:00+0100", "2025-06-01T10:00:00+01", "2025-06-01T10:00:00+24:00", "2025-06-01T10:00:00+01:60",
        "2025-06-01T10:00:00UTC", "2025-06-01T10:00:00Zjunk", " 2025-06-01T10:00:00Z", "2025-06-01T10:00:00Z ",
        "2025-6-1T10:00:00Z", "2025-06-01T1:00:00Z", "2025/06/01T10:00:00Z", "2025-06-01X10:00:00Z",
        "２０２５-06-01T10:00:00Z", "", "now", "1748772000",
    ]

    @Test(arguments: invalid)
    func refuses(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    static let printed: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00Z"),
        (1, "1970-01-01T00:00:00.000001Z"),
        (250_000, "1970-01-01T00:00:00.25Z"),
        (120_000, "1970-01-01T00:00:00.12Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
        (-86_400_000_000, "1969-12-31T00:00:00Z"),
        (1_748_772_000_000_000, "2025-06-01T10:00:00Z"),
        (1_748_772_000_001_000, "2025-06-01T10:00:00.001Z"),
        (1_709_164_800_000_000, "2024-02-29T00:00:00Z"),
        (951_868_799_000_000, "2000-02-29T23:59:59Z"),
        (-62_135_596_800_000_000, "0001-01-01T00:00:00Z"),
        (-59_011_459_200_000_000, "0100-01-01T00:00:00Z"),
        (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
    ]

    @Test(arguments: printed)
    func prints(_ microseconds: Int64, _ text: String) {
        let t = Timestamp(microseconds: microseconds)
        #expect(t.rfc3339 == text)
        #expect(t.description == text)
        #expect(Timestamp(rfc3339: text) == t)
    }

    /// Output is always UTC: an offset is folded into the instant.
    @Test(arguments: [
        ("2025-06-01T12:30:00+02:30", "2025-06-01T10:00:00Z"),
        ("2025-06-01T00:30:00+01:00", "2025-05-31T23:30:00Z"),
        ("2024-12-31T23:00:00-01:00", "2025-01-01T00:00:00Z"),
        ("2024-02-28T23:00:00-01:30", "2024-02-29T00:30:00Z"),
        ("2025-06-01T10:00:00.100+00:00", "2025-06-01T10:00:00.1Z"),
    ])
    func printsInUTC(_ input: String, _ output: String) {
        #expect(Timestamp(rfc3339: input)?.rfc3339 == output)
    }

    @Test func bounds() {
        #expect(Timestamp.earliest.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp.latest.rfc3339 == "9999-12-31T23:59:59.999999Z")
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59.999999Z") == .latest)
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00Z") == .earliest)
    }

    /// print then parse gives the same instant, across the whole range (a fixed pseudo-random sample).
    @Test func roundTripAcrossTheRange() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let span = UInt64(Timestamp.latest.microseconds - Timestamp.earliest.microseconds)
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let t = Timestamp(microseconds: Timestamp.earliest.microseconds + Int64(state % span))
            #expect(Timestamp(rfc3339: t.rfc3339) == t, "\(t.microseconds)")
        }
    }

    /// Every fifth day from 1600 to 2400 prints as Foundation's Gregorian calendar names it.
    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let firstDay = Timestamp(rfc3339: "1600-01-01T00:00:00Z")!.microseconds / 86_400_000_000
        let lastDay = Timestamp(rfc3339: "2400-12-31T00:00:00Z")!.microseconds / 86_400_000_000
        var mismatches = 0
        for day in stride(from: firstDay, through: lastDay, by: 5) {
            let t = Timestamp(microseconds: day * 86_400_000_000 + 45_296_000_000)  // 12:34:56
            let c = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(day * 86_400 + 45_296)))
            let expected = String(format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ldZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            if t.rfc3339 != expected {
                mismatches += 1
                if mismatches < 5 { Issue.record("\(t.rfc3339) ≠ \(expected)") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func orderAndArithmetic() {
        let a = time("2025-06-01T10:00:00Z")
        #expect(a.advanced(by: 1_000).rfc3339 == "2025-06-01T10:00:00.001Z")
        #expect(a < a.advanced(by: 1))
        #expect(time("2025-06-01T12:00:00+02:00") == a)
        let clock = FixedClock(start: a)
        #expect(clock.recordedTime(after: nil) == a)
        #expect(clock.recordedTime(after: a) == time("2025-06-01T10:00:00.001Z"))
    }

    /// A leap second is read as the second before it (the README says so).
    @Test func aLeapSecondIsReadAsTheSecondBefore() {
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60Z") == Timestamp(rfc3339: "2016-12-31T23:59:59Z"))
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60.5Z") == Timestamp(rfc3339: "2016-12-31T23:59:59.5Z"))
    }
}
