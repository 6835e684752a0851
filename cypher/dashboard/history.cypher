// One user's items with the raw interaction signal (plays, watch ratio), strongest first.
MATCH (:{{User}} {id: $user})-[r:{{Interaction}}]->(i:{{Item}})
RETURN i.id AS id, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS signal
ORDER BY signal DESC, id
