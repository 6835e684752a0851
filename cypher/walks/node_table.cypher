// Internal id and entity id of every node of one label (the walk corpus maps internal ids to tokens).
MATCH (n:{{Label}})
RETURN id(n) AS node, n.id AS id
