// SHOW commands cannot be combined with UNION, hence separate queries for constraints and indexes.
SHOW CONSTRAINTS YIELD name
RETURN name
