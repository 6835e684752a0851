// Every item with its display name and its number of distinct users (popularity for pickers and charts).
MATCH (i:{{Item}})
RETURN i.id AS id, i.name AS name, COUNT { (:{{User}})-[:{{Interaction}}]->(i) } AS users
