MATCH (s:ServedRun)
RETURN properties(s) AS properties
ORDER BY s.slot
