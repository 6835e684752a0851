// Start nodes that can take the first hop (Source-Type-Target, either direction).
MATCH (a:{{Source}})
WHERE EXISTS { (a)-[r:{{Type}}]-(:{{Target}}) WHERE (r.holdout IS NULL OR NOT r.holdout IN $excluded) }
RETURN id(a) AS node
