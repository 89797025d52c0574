/// The rules for ids and keys: safe as file names and as Redis keys.
public enum Identifier {
    /// Explicit task, workflow and command ids, and memory keys: `[A-Za-z0-9][A-Za-z0-9_.-]{0,127}`.
    public static func isValid(_ id: some StringProtocol) -> Bool {
        var count = 0
        for c in id.utf8 {
            let alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
            if count == 0 {
                guard alnum else { return false }
            } else {
                guard alnum || c == 95 || c == 46 || c == 45 else { return false }
            }
            count += 1
            if count > 128 { return false }
        }
        return count > 0
    }

    /// A context-cascade path (`contexts/agents/dev/backend_tasks.yaml`): relative, each
    /// segment a valid id, so it can never leave the directory it is written under.
    public static func isValidPath(_ path: some StringProtocol) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 512 else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { isValid($0) }
    }

    /// The slug of a title: lower-case ASCII letters, digits and `_`, at most 40 characters
    /// (`User Authentication System` → `user_authentication_system`); `task` when nothing is left.
    public static func slug(_ title: String, fallback: String = "task") -> String {
        var out: [UInt8] = []
        var pendingUnderscore = false
        for c in title.utf8 {
            var lc = c
            if c >= 65 && c <= 90 { lc = c + 32 }
            let keep = (lc >= 48 && lc <= 57) || (lc >= 97 && lc <= 122)
            if keep {
                if pendingUnderscore, !out.isEmpty { out.append(95) }
                pendingUnderscore = false
                out.append(lc)
            } else {
                pendingUnderscore = true
            }
            if out.count >= 40 { break }
        }
        if out.count > 40 { out.removeLast(out.count - 40) }
        while out.last == 95 { out.removeLast() }
        return out.isEmpty ? fallback : String(decoding: out, as: UTF8.self)
    }

    /// `slug_001`, `slug_002`, … — three digits at least.
    public static func numbered(_ slug: String, _ n: Int) -> String {
        let digits = String(n)
        return slug + "_" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
