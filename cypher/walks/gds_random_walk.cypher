CALL gds.randomWalk.stream($graph_name, $config)
YIELD nodeIds
RETURN nodeIds
