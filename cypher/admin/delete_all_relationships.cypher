// Auto-commit only: relationships in batches, so that no hub node's relationships land in one transaction.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF $batch_size ROWS
