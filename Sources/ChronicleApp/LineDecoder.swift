internal import ChronicleCore
public import ChronicleStore

/// Checks one raw input line (size, NUL bytes, UTF-8) and parses it.
public enum LineDecoder {
    /// nil for a line without an ack (empty, or a `#` comment).
    public static func decode(_ line: InputReader.Line, number: Int) -> Appender.Line? {
        switch line {
        case .tooLarge(let bytes):
            return Appender.Line(
                number: number,
                parsed: .failure(
                    CommandError(
                        .tooLarge, "the line has \(bytes) bytes, more than the limit of \(InputReader.maxLineBytes)",
                        recovery: "split the command or store large values elsewhere and refer to them")))
        case .text(var bytes):
            // A UTF-8 byte order mark before the first line is not part of it.
            if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            // A comment gets no ack, whatever bytes it holds (a client counting acks counts commands).
            if bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "#") { return nil }
            if let nul = bytes.firstIndex(of: 0) {
                return Appender.Line(
                    number: number,
                    parsed: .failure(
                        CommandError(
                            .parse, "NUL byte at column \(nul + 1)", recovery: "remove NUL bytes; send text, one command a line")))
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let column = firstInvalidUTF8(bytes)
                return Appender.Line(
                    number: number,
                    parsed: .failure(
                        CommandError(
                            .parse, "invalid UTF-8 at byte \(column)", recovery: "send the line encoded as UTF-8")))
            }
            do {
                switch try CodedLanguage.parse(line: text[...]) {
                case .skip: return nil
                case .command(let c, let e): return Appender.Line(number: number, parsed: .success((c, e)))
                }
            } catch {
                return Appender.Line(number: number, parsed: .failure(error))
            }
        }
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let valid = (1...4).contains { n in i + n <= bytes.count && String(validating: bytes[i..<i + n], as: UTF8.self) != nil }
            if !valid { return i + 1 }
            i += (1...4).first { n in i + n <= bytes.count && String(validating: bytes[i..<i + n], as: UTF8.self) != nil } ?? 1
        }
        return bytes.count
    }
}
