// Every Source-Type->Target relationship as (source, target, weight): the CSR export of one hop.
MATCH (a:{{Source}})-[r:{{Type}}]->(b:{{Target}})
RETURN id(a) AS source, id(b) AS target, toFloat(coalesce(r.weight, 1.0)) AS weight
