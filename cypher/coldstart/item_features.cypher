// Item -> side-information feature pairs with their weight and the feature's display name.
MATCH (i:{{Item}})-[r:{{FeatureType}}]->(f:{{Feature}})
RETURN i.id AS item, f.id AS feature, toFloat(coalesce(r.weight, 1.0)) AS weight,
       coalesce(f.name, toString(f.id)) AS name
