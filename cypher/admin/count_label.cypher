// Answered from the count store: constant time whatever the graph size.
MATCH (n:{{Label}})
RETURN count(n) AS count
