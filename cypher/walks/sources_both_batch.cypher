// Start nodes (Source-Type-Target, either direction) whose internal id is in [$lo, $hi), as one record (one list, ascending).
UNWIND range($lo, $hi - 1) AS i
MATCH (a:{{Source}}) WHERE id(a) = i
  AND EXISTS { (a)-[r:{{Type}}]-(:{{Target}}) WHERE (r[$holdout_property] IS NULL OR NOT r[$holdout_property] IN $excluded) }
RETURN collect(i) AS nodes
