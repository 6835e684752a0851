// Generic CSV interactions. $rows: [user id, item id, weight, raw, count, ts].
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
MATCH (b:{{End}} {id: row[1]})
MERGE (a)-[r:{{Type}}]->(b)
SET r.weight = row[2], r.raw = row[3], r.count = row[4], r.ts = row[5]
