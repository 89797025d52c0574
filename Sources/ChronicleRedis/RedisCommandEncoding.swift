/// Redis commands in RESP, the protocol of the wire and of `redis-cli --pipe`: each command an
/// array of bulk strings (`*N\r\n$LEN\r\nARG\r\n…`), binary-safe. Written straight into one
/// buffer: a batch's pipeline is one allocation, not one per argument.
public enum RedisCommandEncoding {
    /// `command` (name and arguments, sent as their UTF-8 bytes), appended to `out`.
    public static func append(_ command: [String], to out: inout [UInt8]) {
        header(command.count, to: &out)
        for argument in command {
            var argument = argument
            argument.withUTF8 { bulk($0, to: &out) }
        }
    }

    /// `command` (name and arguments as bytes), appended to `out`.
    public static func append(_ command: [[UInt8]], to out: inout [UInt8]) {
        header(command.count, to: &out)
        for argument in command { argument.withUnsafeBufferPointer { bulk($0, to: &out) } }
    }

    /// `commands`, one after another.
    public static func encode(_ commands: [[String]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(commands.reduce(0) { $0 + 16 + $1.reduce(0) { $0 + $1.utf8.count + 16 } })
        for command in commands { append(command, to: &out) }
        return out
    }

    private static func header(_ count: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "*"))
        decimal(count, to: &out)
        out += [13, 10]
    }

    private static func bulk(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "$"))
        decimal(bytes.count, to: &out)
        out += [13, 10]
        out.append(contentsOf: bytes)
        out += [13, 10]
    }

    private static func decimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0, "a count is never negative")
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        let start = out.count
        var v = value
        while v > 0 {
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        }
        out[start...].reverse()
    }
}
