// An item's neighbours for the explorable graph: its $limit strongest listeners (by signal).
MATCH (:{{Item}} {id: $id})<-[r:{{Interaction}}]-(u:{{User}})
WITH u, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS strength
ORDER BY strength DESC, u.id
LIMIT $limit
RETURN u.id AS target, strength
