// Relationships without properties. $rows: [start id, end id].
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
MATCH (b:{{End}} {id: row[1]})
MERGE (a)-[:{{Type}}]->(b)
