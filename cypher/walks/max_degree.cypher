// Largest number of Type relationships (either direction) of any Label node: the hub a walk can meet.
MATCH (n:{{Label}})
RETURN max(COUNT { (n)-[:{{Type}}]-() }) AS max_degree
