"""The one door to Neo4j: the query runner, named queries, database housekeeping and the startup check."""
