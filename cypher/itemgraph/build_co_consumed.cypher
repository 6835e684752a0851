// Weighted co-consumption edges from one batch of items ($items: ids) to their top $top_n co-consumed items.
// weight = number of distinct users who consumed both in the training graph: held-out interactions (those whose
// r[$holdout_property] is one of $excluded) count for neither side. Users with more than $max_user_items items
// are skipped as evidence: they bound the 2-hop expansion (a user of degree d contributes d^2 pairs), which
// is what blows up on hub users; $top_n bounds the edges per item, so the graph stays O(items x top_n).
UNWIND $items AS item_id
MATCH (a:{{Item}} {id: item_id})<-[r1:{{Interaction}}]-(u:{{User}})
WHERE (r1[$holdout_property] IS NULL OR NOT r1[$holdout_property] IN $excluded)
  AND COUNT { (u)-[:{{Interaction}}]->(:{{Item}}) } <= $max_user_items
MATCH (u)-[r2:{{Interaction}}]->(b:{{Item}})
WHERE b <> a AND (r2[$holdout_property] IS NULL OR NOT r2[$holdout_property] IN $excluded)
WITH a, b, count(DISTINCT u) AS users
WHERE users >= $min_users
WITH a, b, users
ORDER BY users DESC, b.id
WITH a, collect({item: b, users: users})[..$top_n] AS top
UNWIND top AS edge
WITH a, edge.item AS b, edge.users AS users
CREATE (a)-[:{{CoConsumed}} {weight: toFloat(users)}]->(b)
RETURN count(*) AS edges
