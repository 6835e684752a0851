// Every id of one label: the users and items a delta's follow and feature rows may name.
MATCH (n:{{Label}})
RETURN n.id AS id
