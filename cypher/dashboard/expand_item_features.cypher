// An item's side-information features (tags, categories) for the explorable graph, strongest first.
MATCH (:{{Item}} {id: $id})-[r:{{FeatureType}}]->(f:{{Feature}})
WITH f, toFloat(coalesce(r.weight, 1.0)) AS strength
ORDER BY strength DESC, f.id
LIMIT $limit
RETURN f.id AS target, coalesce(f.name, toString(f.id)) AS name, strength
