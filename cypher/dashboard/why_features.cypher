// Why $item may be recommended to $user through side information: user -> own item -> feature <- item
// (via = the user's item, via2 = the shared feature, with its display name). Up to $per_kind paths.
MATCH (u:{{User}} {id: $user})-[:{{Interaction}}]->(own:{{Item}})-[a:{{FeatureType}}]->(f:{{Feature}})
      <-[b:{{FeatureType}}]-(:{{Item}} {id: $item})
WHERE own.id <> $item
WITH own, f, toFloat(coalesce(a.weight, 1.0) * coalesce(b.weight, 1.0)) AS strength
ORDER BY strength DESC, own.id, f.id
LIMIT $per_kind
RETURN own.id AS via, f.id AS via2, coalesce(f.name, toString(f.id)) AS name, strength
