// Mark held-out interactions (test / validation) of one split on its own property ($property =
// holdout_<key>), so walks of that split's training graph skip them and other splits are left alone.
// Idempotent: marking the same split twice, or from two processes at once, writes the same values.
UNWIND $rows AS row
MATCH (:{{User}} {id: row.user})-[r:{{Interaction}}]->(:{{Item}} {id: row.item})
SET r[$property] = row.split
