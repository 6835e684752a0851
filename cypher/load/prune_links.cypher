// A re-load of side information (categories, tags, features): for each item the file describes, delete its
// relationships to nodes the file no longer lists. $rows: [start id, [end ids the file lists]].
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})-[r:{{Type}}]->(b:{{End}})
WHERE NOT b.id IN row[1]
DELETE r
