public import ChronicleCore
public import ChronicleStore
internal import ChronicleViews

extension LogQuery {
    /// The entities the YAML tree shows as of `point`: every task, workflow and memory key (from
    /// the newest usable snapshot). A failed read is ``StoreError``.
    public func treeEntities(asOf point: AsOf) throws -> [Entity] {
        var entities: [Entity] = []
        for kind in YAMLTree.kinds { entities += try self.entities(kind, asOf: point) }
        return entities
    }
}
