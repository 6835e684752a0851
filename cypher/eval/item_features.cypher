// Item -> side-information feature (tag / category) pairs with their weight.
MATCH (i:{{Item}})-[r:{{FeatureType}}]->(f:{{Feature}})
RETURN i.id AS item, f.id AS feature, toFloat(coalesce(r.weight, 1.0)) AS weight
