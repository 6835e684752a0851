MATCH (d:Dataset)
RETURN properties(d) AS properties
