// Nodes in the database (any label), from the count store.
MATCH (n)
RETURN count(n) AS nodes
