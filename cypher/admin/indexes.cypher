// Indexes that no constraint owns; the two token lookup indexes are kept (Neo4j creates them itself).
SHOW INDEXES YIELD name, type, owningConstraint
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN name
