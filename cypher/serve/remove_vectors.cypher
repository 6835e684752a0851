// Auto-commit: remove a served slot's vectors from every node before another run takes the slot.
MATCH (n:{{Label}})
WHERE n[$property] IS NOT NULL
CALL (n) { SET n[$property] = null } IN TRANSACTIONS OF 10000 ROWS
