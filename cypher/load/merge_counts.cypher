// Side information such as Last.fm HAS_TAG. $rows: [item id, feature id, count, weight].
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
MATCH (b:{{End}} {id: row[1]})
MERGE (a)-[r:{{Type}}]->(b)
SET r.count = row[2], r.weight = row[3]
