// Display names of items by id (the ones printed by the cold-start commands).
MATCH (i:{{Item}})
WHERE i.id IN $ids
RETURN i.id AS id, i.name AS name
