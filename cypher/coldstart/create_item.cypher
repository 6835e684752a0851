// A cold-start item with its side-information relationships (features that do not exist are skipped).
MERGE (i:{{Item}} {id: $id})
SET i.name = $name, i.cold_start = true
WITH i
UNWIND $features AS feature
MATCH (f:{{Feature}} {id: feature})
MERGE (i)-[r:{{FeatureType}}]->(f)
SET r.weight = coalesce(r.weight, 1.0)
RETURN count(r) AS linked
