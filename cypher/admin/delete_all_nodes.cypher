// Auto-commit only: deletes in batches so a large graph does not need one huge transaction.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch_size ROWS
