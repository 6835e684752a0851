// Internal id and entity id of the Label nodes whose internal id is in [$lo, $hi), as one record of lists:
// the driver pays per record (about 20 us), so one record per node made the node table slow. collect()
// skips nulls, so nodes without an id are listed apart (normally none) to keep the two lists aligned.
UNWIND range($lo, $hi - 1) AS i
MATCH (n:{{Label}}) WHERE id(n) = i
RETURN collect(i) AS nodes, collect(n.id) AS ids, collect(CASE WHEN n.id IS NULL THEN i END) AS without_id
