// Mark held-out interactions (test / validation) so walks of the training graph skip them.
UNWIND $rows AS row
MATCH (:{{User}} {id: row.user})-[r:{{Interaction}}]->(:{{Item}} {id: row.item})
SET r.holdout = row.split
