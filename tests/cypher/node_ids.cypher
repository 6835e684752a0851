MATCH (n:{{Label}})
RETURN id(n) AS node, n.id AS id
