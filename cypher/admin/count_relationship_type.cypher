// Answered from the count store: constant time whatever the graph size.
MATCH ()-[r:{{Type}}]->()
RETURN count(r) AS count
