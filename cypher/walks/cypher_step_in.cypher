// One step of the pure-Cypher walker for every walker of a batch. Walkers at the same node share one
// neighbour list (ordered by internal id, as the other engines order them); each draws its neighbour with
// its own uniform number from the client, so runs are reproducible for a seed.
UNWIND $groups AS g
MATCH (a:{{Source}}) WHERE id(a) = g.node
CALL (a) {
  MATCH (a)<-[r:{{Type}}]-(b:{{Target}})
  WHERE (r[$holdout_property] IS NULL OR NOT r[$holdout_property] IN $excluded)
  WITH b, CASE WHEN $weighted THEN toFloat(coalesce(r.weight, 1.0)) ELSE 1.0 END AS w
  ORDER BY id(b)
  RETURN collect(id(b)) AS targets, collect(w) AS weights
}
WITH g, targets, weights, reduce(total = 0.0, x IN weights | total + x) AS total
WHERE total > 0
UNWIND range(0, size(g.walkers) - 1) AS k
WITH g.walkers[k] AS walker, g.uniforms[k] * total AS threshold, targets, weights
RETURN walker, coalesce(reduce(state = {acc: 0.0, pick: null}, i IN range(0, size(weights) - 1) |
  CASE WHEN state.pick IS NULL AND state.acc + weights[i] > threshold
       THEN {acc: state.acc + weights[i], pick: targets[i]}
       ELSE {acc: state.acc + weights[i], pick: state.pick} END).pick, last(targets)) AS next
