// A re-load of side information (categories, tags, features): for each item the file describes, delete its
// relationships to nodes the file no longer lists. $rows: [start id, [end ids the file lists]].
// The index hint pins the plan: a plan cached while the label was empty (tests wipe and reload the database)
// scanned every end node per row instead (161 M page hits and minutes for one 10,000-row batch).
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})-[r:{{Type}}]->(b:{{End}})
USING INDEX a:{{Start}}(id)
WHERE NOT b.id IN row[1]
DELETE r
