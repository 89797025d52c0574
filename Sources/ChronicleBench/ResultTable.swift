/// The benchmark's figures as one markdown table: | measure | chronicle | baseline | ratio | target |.
struct ResultTable {
    struct Row {
        var measure: String
        var chronicle: String
        var baseline: String
        var ratio: String
        var target: String
    }

    static let header = Row(measure: "measure", chronicle: "chronicle", baseline: "baseline", ratio: "ratio", target: "target")
    private(set) var rows: [Row] = []

    mutating func add(_ measure: String, chronicle: String, baseline: String = "—", ratio: String = "—", target: String = "—") {
        rows.append(Row(measure: measure, chronicle: chronicle, baseline: baseline, ratio: ratio, target: target))
    }

    /// The table, columns padded so that it also reads as plain text.
    var markdown: String {
        let all = [Self.header] + rows
        let columns: [(Row) -> String] = [\Row.measure, \Row.chronicle, \Row.baseline, \Row.ratio, \Row.target].map { path in
            { $0[keyPath: path] }
        }
        let widths = columns.map { cell in all.map { cell($0).count }.max() ?? 0 }
        func line(_ row: Row) -> String {
            "| "
                + zip(columns, widths).map { cell, width in
                    let text = cell(row)
                    return text + String(repeating: " ", count: width - text.count)
                }.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(Self.header), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// `1,234,567`.
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let n = Int(value.rounded())
        var digits = String(abs(n))
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + out
    }

    /// `value` with `places` decimals.
    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if places > 0 {
            let fraction = String(scaled % Int(scale))
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return text
    }

    /// `×0.42` (chronicle ÷ baseline).
    static func ratio(_ chronicle: Double, _ baseline: Double) -> String {
        guard baseline > 0, chronicle.isFinite, baseline.isFinite else { return "n/a" }
        let r = chronicle / baseline
        return "×" + fixed(r, r < 10 ? 2 : 1)
    }

    /// Bytes as MiB with one decimal.
    static func mebibytes(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MiB" }

    /// `target (met)` or `target (missed)`.
    static func target(_ text: String, met: Bool) -> String { text + (met ? " (met)" : " (missed)") }
}
