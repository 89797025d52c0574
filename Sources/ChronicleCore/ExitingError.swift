/// An error that ends a command of the `chronicle` tool: its description says what happened
/// and what to do, and ``exitStatus`` is the status the process ends with. The tool's entry
/// point is the one place that turns errors into statuses.
public protocol ExitingError: Error, CustomStringConvertible {
    /// ``ExitStatus/failed``, ``ExitStatus/badArguments`` or ``ExitStatus/logUnusable``.
    var exitStatus: Int32 { get }
}

/// The exit statuses of the `chronicle` tool (0: success).
public enum ExitStatus {
    /// Not found, damaged, or stopped (`--strict`, input unreadable, output closed, a bad file).
    public static let failed: Int32 = 1
    /// Bad arguments: printed with the command's usage.
    public static let badArguments: Int32 = 2
    /// The log cannot be opened, read or written.
    public static let logUnusable: Int32 = 3
}
