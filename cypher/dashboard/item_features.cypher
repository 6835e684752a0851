// The strongest $top side-information features (tags / categories) of every item, strongest first.
MATCH (i:{{Item}})-[r:{{FeatureType}}]->(f:{{Feature}})
WITH i, f, coalesce(r.weight, 1.0) AS weight
ORDER BY weight DESC, f.id
WITH i, collect(coalesce(f.name, toString(f.id)))[..$top] AS features
RETURN i.id AS id, features
