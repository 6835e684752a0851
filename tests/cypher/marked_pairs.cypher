// The (user, item, split) triples one split marks (tests/integration/test_concurrent_evaluations.py).
MATCH (u:{{User}})-[r:{{Interaction}}]->(i:{{Item}})
WHERE r[$property] IS NOT NULL
RETURN u.id AS user, i.id AS item, r[$property] AS split
