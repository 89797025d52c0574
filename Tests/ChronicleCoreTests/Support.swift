import ChronicleCore

/// A time written in RFC 3339; the tests only use valid ones.
func time(_ text: String) -> Timestamp {
    guard let t = Timestamp(rfc3339: text) else { fatalError("not an RFC 3339 time: \(text)") }
    return t
}

/// A task spec with the optional fields set in one expression.
func spec(
    _ title: String, _ intent: String, _ complexity: Complexity, id: String? = nil,
    _ configure: (inout TaskSpec) -> Void = { _ in }
) -> TaskSpec {
    var s = TaskSpec(id: id, title: title, intent: intent, complexity: complexity)
    configure(&s)
    return s
}

/// An object from key/value pairs, in order.
func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
    .object(pairs.map { JSONMember($0.key, $0.value) })
}
