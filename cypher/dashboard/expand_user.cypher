// A user's neighbours for the explorable graph: up to $limit friends (most shared items first) and their
// $limit strongest items. item_edge tells an item target (an interaction) from a user target (a follow).
MATCH (u:{{User}} {id: $id})
CALL (u) {
  MATCH (u)-[:{{Follows}}]-(f:{{User}})
  WITH DISTINCT f, COUNT { (u)-[:{{Interaction}}]->(:{{Item}})<-[:{{Interaction}}]-(f) } AS shared
  ORDER BY shared DESC, f.id
  LIMIT $limit
  RETURN f.id AS target, false AS item_edge, toFloat(shared) AS strength
  UNION ALL
  MATCH (u)-[r:{{Interaction}}]->(i:{{Item}})
  WITH i, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS strength
  ORDER BY strength DESC, i.id
  LIMIT $limit
  RETURN i.id AS target, true AS item_edge, strength
}
RETURN target, item_edge, strength
