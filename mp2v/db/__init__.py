"""Everything that touches Neo4j: the local server, the one query runner, the startup check."""
