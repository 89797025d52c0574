import ArgumentParser
import ChronicleViews

/// `--prefix` (or `--redis-prefix`, as `status` and `verify` say it): the prefix every key of a
/// Redis view goes under, shared by `project redis` and `replay redis`. A prefix that would lie
/// inside another prefix's view is refused (``RedisKeyspace/problem(ofPrefix:)``).
struct RedisPrefixOption: ParsableArguments {
    @Option(
        name: [.customLong("prefix"), .customLong("redis-prefix")],
        help:
            "A prefix for every key of the view (e.g. tenant1:), to keep several logs apart on one server (--redis-prefix is the same)."
    )
    var prefix = ""

    func validate() throws {
        if let problem = RedisKeyspace.problem(ofPrefix: prefix) { throw ValidationError(problem) }
    }
}
