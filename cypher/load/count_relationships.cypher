// Relationships in the database (any type), from the count store.
MATCH ()-[r]->()
RETURN count(r) AS relationships
