// The second hop of a user's neighbourhood: for each friend, their strongest $per_node items, up to
// $per_node of their own friends, and every item they share with the focus user ($items), so the
// drawing shows where tastes overlap. The dashboard caps the node count afterwards.
UNWIND $friends AS friend_id
MATCH (f:{{User}} {id: friend_id})
CALL (f) {
  MATCH (f)-[r:{{Interaction}}]->(i:{{Item}})
  WITH i, coalesce(r[$signal], r.weight, 1.0) AS signal
  ORDER BY signal DESC, i.id
  LIMIT $per_node
  RETURN i.id AS target, true AS item
  UNION
  MATCH (f)-[:{{Interaction}}]->(i:{{Item}})
  WHERE i.id IN $items
  RETURN i.id AS target, true AS item
  UNION
  MATCH (f)-[:{{Follows}}]-(g:{{User}})
  WITH DISTINCT g
  ORDER BY g.id
  LIMIT $per_node
  RETURN g.id AS target, false AS item
}
RETURN friend_id AS source, item, target
