// The Source-Type->Target relationships (not held out) of the Source nodes whose internal id is in
// [$lo, $hi), as one record of three parallel lists: the CSR export of one hop, a few hundred thousand
// relationships per record instead of one record per relationship.
UNWIND range($lo, $hi - 1) AS i
MATCH (a:{{Source}})-[r:{{Type}}]->(b:{{Target}}) WHERE id(a) = i
  AND (r[$holdout_property] IS NULL OR NOT r[$holdout_property] IN $excluded)
RETURN collect(i) AS sources, collect(id(b)) AS targets, collect(toFloat(coalesce(r.weight, 1.0))) AS weights
