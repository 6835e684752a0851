// One user's friends (a follow in either direction) with their history size and the items they share.
MATCH (u:{{User}} {id: $user})-[:{{Follows}}]-(f:{{User}})
WITH DISTINCT u, f
RETURN f.id AS id,
       COUNT { (f)-[:{{Interaction}}]->(:{{Item}}) } AS items,
       COUNT { (u)-[:{{Interaction}}]->(:{{Item}})<-[:{{Interaction}}]-(f) } AS shared
ORDER BY shared DESC, items DESC, id
