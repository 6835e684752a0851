// Every item id, in order: the batches the co-consumption build walks through.
MATCH (i:{{Item}})
RETURN i.id AS id
ORDER BY id
