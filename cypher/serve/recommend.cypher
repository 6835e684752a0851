// Top-k items for a user from the vector index. Enough candidates are fetched to survive dropping what the
// user already has (when asked); the index's cosine is returned and turned into the slot's score by the caller.
MATCH (u:{{User}} {id: $user})
WITH u, u[$user_property] AS query
WHERE query IS NOT NULL
WITH u, query, $k + $margin + CASE WHEN $exclude_seen THEN COUNT { (u)-[:{{Interaction}}]->() } ELSE 0 END AS candidates
CALL db.index.vector.queryNodes($index, candidates, query + $padding) YIELD node, score
WHERE NOT ($exclude_seen AND EXISTS { (u)-[:{{Interaction}}]->(node) })
RETURN node.id AS id, node.name AS name, 2.0 * score - 1.0 AS cosine,
       sqrt(reduce(s = 0.0, x IN query | s + x * x)) AS query_norm
ORDER BY cosine DESC, id ASC
LIMIT $k
