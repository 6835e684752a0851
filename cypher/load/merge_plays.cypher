// Last.fm LISTENED. $rows: [user id, artist id, plays, weight]. Positional rows and a fixed SET measured
// faster than maps and `SET r += map` (docs/loading.md).
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
MATCH (b:{{End}} {id: row[1]})
MERGE (a)-[r:{{Type}}]->(b)
SET r.plays = row[2], r.weight = row[3]
