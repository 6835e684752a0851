}
WITH gds.graph.project($graph_name, source, target, {relationshipProperties: {weight: weight}}) AS g
RETURN g.nodeCount AS node_count, g.relationshipCount AS relationship_count, g.projectMillis AS project_millis
