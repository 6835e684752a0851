// All relationships of one type as (start internal id, end internal id, weight): test oracles.
MATCH (a)-[r:{{Type}}]->(b)
RETURN id(a) AS source, id(b) AS target, r.weight AS weight
