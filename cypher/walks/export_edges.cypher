// Every Source-Type->Target relationship as (source, target, weight): the CSR export of one hop.
MATCH (a:{{Source}})-[r:{{Type}}]->(b:{{Target}})
WHERE (r.holdout IS NULL OR NOT r.holdout IN $excluded)
RETURN id(a) AS source, id(b) AS target, toFloat(coalesce(r.weight, 1.0)) AS weight
