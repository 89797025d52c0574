import Foundation

extension RedisURL {
    /// The environment variable that may hold the whole URL, password included.
    public static let environmentVariable = "CHRONICLE_REDIS_URL"

    /// The server a command connects to, from its `--redis` argument, the environment and the
    /// contents of its `--redis-password-file`. Pure: the caller reads the file (`readPasswordFile(atPath:)`).
    ///
    /// - `--redis` wins over `CHRONICLE_REDIS_URL`, but must not hold a password: the command
    ///   line shows in `ps` and stays in shell history.
    /// - `CHRONICLE_REDIS_URL` may hold one.
    /// - The password file's first line (its line ending stripped) is the password; a URL from
    ///   the environment that holds one too is refused rather than one being silently preferred.
    /// - Throws: `RedisError.passwordInArgument`, `.noURL`, `.twoPasswords`, `.passwordFile`, or
    ///   the URL's own parsing errors.
    public static func resolve(
        argument: String?, environment: [String: String], passwordFile: (path: String, contents: String)? = nil
    ) throws(RedisError) -> RedisURL {
        var url: RedisURL
        if let argument {
            url = try RedisURL(parsing: argument)
            if url.password != nil {
                var shown = url
                shown.password = nil
                throw .passwordInArgument(url: shown.description)
            }
        } else if let text = environment[environmentVariable], !text.isEmpty {
            url = try RedisURL(parsing: text)
        } else {
            throw .noURL
        }
        if let passwordFile {
            guard url.password == nil else { throw .twoPasswords(path: passwordFile.path) }
            url.password = try password(fromFile: passwordFile.contents, path: passwordFile.path)
        }
        return url
    }

    /// The first line of a password file, without its `\n` or `\r\n`.
    static func password(fromFile contents: String, path: String) throws(RedisError) -> String {
        // "\r\n" is one Character in Swift: split on both.
        let firstLine = contents.prefix { $0 != "\n" && $0 != "\r\n" }
        let password = firstLine.hasSuffix("\r") ? firstLine.dropLast() : firstLine
        guard !password.isEmpty else { throw .passwordFile(path: path, reason: "its first line is empty") }
        return String(password)
    }

    /// The contents of the file `--redis-password-file` names, for `resolve`.
    /// - Throws: `RedisError.passwordFile` when it cannot be read or is not UTF-8.
    public static func readPasswordFile(atPath path: String) throws(RedisError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .passwordFile(path: path, reason: "it does not exist or cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .passwordFile(path: path, reason: "it is not UTF-8 text") }
        return text
    }
}
