// Auto-commit only: remove an earlier item graph in batches (no hub item's edges land in one transaction).
MATCH (:{{Item}})-[r:{{CoConsumed}}]->(:{{Item}})
CALL (r) { DELETE r } IN TRANSACTIONS OF $batch_size ROWS
