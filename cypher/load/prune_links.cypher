// A re-load of side information (categories, tags, features): for each item the file describes, delete its
// relationships to nodes the file no longer lists. $rows: [start id, [end ids the file lists]].
// The per-row subquery pins the plan: each row's start node is found by its id first and its relationships are
// expanded from it. With only an index hint on the start node, a plan cached while the labels were empty (tests
// wipe and reload the database) spent minutes per 10,000-row batch in that index seek (11 CPU minutes in one
// test run's Last.fm re-load).
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
CALL (a, row) {
  MATCH (a)-[r:{{Type}}]->(b:{{End}})
  WHERE NOT b.id IN row[1]
  DELETE r
}
