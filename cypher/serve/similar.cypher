// Nearest items to an item by cosine of input vectors ("autoplay"), the item itself excluded.
MATCH (i:{{Item}} {id: $item})
WITH i, i[$property] AS query
WHERE query IS NOT NULL
CALL db.index.vector.queryNodes($index, $candidates, query) YIELD node, score
WHERE node <> i
RETURN node.id AS id, node.name AS name, 2.0 * score - 1.0 AS cosine
ORDER BY cosine DESC, id ASC
LIMIT $k
