CALL gds.list() YIELD name
RETURN count(name) AS count
