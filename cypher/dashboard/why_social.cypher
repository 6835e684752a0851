// Why $item may be recommended to $user: the short paths between them that metapath walks follow.
// friend: user -follows- friend -interacts-> item. co_listener: user -> shared item <- other user -> item
// (via = the shared item, via2 = the other user). Up to $per_kind paths of each kind, strongest first.
MATCH (u:{{User}} {id: $user}), (target:{{Item}} {id: $item})
CALL (u, target) {
  MATCH (u)-[:{{Follows}}]-(f:{{User}})-[r:{{Interaction}}]->(target)
  WITH DISTINCT f, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS strength
  ORDER BY strength DESC, f.id
  LIMIT $per_kind
  RETURN true AS friend, f.id AS via, null AS via2, strength
  UNION ALL
  MATCH (target)<-[r:{{Interaction}}]-(v:{{User}})-[:{{Interaction}}]->(shared:{{Item}})<-[:{{Interaction}}]-(u)
  WHERE v <> u
  WITH shared, v, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS strength
  ORDER BY strength DESC, shared.id, v.id
  LIMIT $per_kind
  RETURN false AS friend, shared.id AS via, v.id AS via2, strength
}
RETURN friend, via, via2, strength
