// Test graphs: users, items and weighted edges given as parameter lists (see tests/graphs.py).
UNWIND $users AS uid
MERGE (:User {id: uid})
WITH count(*) AS ignored
UNWIND $items AS iid
MERGE (:Video {id: iid})
WITH count(*) AS ignored
UNWIND $watched AS e
MATCH (u:User {id: e[0]}), (v:Video {id: e[1]})
MERGE (u)-[r:WATCHED]->(v) SET r.weight = e[2]
WITH count(*) AS ignored
UNWIND $follows AS f
MATCH (a:User {id: f[0]}), (b:User {id: f[1]})
MERGE (a)-[:FOLLOWS]->(b)
