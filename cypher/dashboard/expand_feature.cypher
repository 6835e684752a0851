// A feature's (tag's) items for the explorable graph: the $limit items most strongly tagged with it.
MATCH (f:{{Feature}} {id: $id})<-[r:{{FeatureType}}]-(i:{{Item}})
WITH i, toFloat(coalesce(r.weight, 1.0)) AS strength
ORDER BY strength DESC, i.id
LIMIT $limit
RETURN i.id AS target, strength
