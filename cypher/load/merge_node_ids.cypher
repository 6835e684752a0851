// Nodes without properties. $ids: a list of ids.
UNWIND $ids AS id
MERGE (:{{Label}} {id: id})
