CALL gds.graph.project($graph_name, $node_projection, $relationship_projection)
YIELD nodeCount, relationshipCount, projectMillis
RETURN nodeCount AS node_count, relationshipCount AS relationship_count, projectMillis AS project_millis
