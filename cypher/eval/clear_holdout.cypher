// Auto-commit: forget an earlier split before marking a new one.
MATCH ()-[r:{{Interaction}}]->()
WHERE r.holdout IS NOT NULL
CALL (r) { REMOVE r.holdout } IN TRANSACTIONS OF 10000 ROWS
