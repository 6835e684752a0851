// Constraint indexes are built in the background; loads must not run MERGE before they are online.
CALL db.awaitIndexes(300)
