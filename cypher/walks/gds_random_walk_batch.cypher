// gds.randomWalk once per group of start nodes, each group's walks collected into one record. The driver
// pays per record (about 20 us), so a record per walk capped streaming at 1-2.5 M steps/s; and because each
// group is its own subquery call, the server computes group k+1 while the client decodes group k.
UNWIND range(0, size($groups) - 1) AS g
WITH g, $config AS base
CALL (g, base) {
  CALL gds.randomWalk.stream($graph_name, base {.*, sourceNodes: $groups[g], randomSeed: $seeds[g]})
  YIELD nodeIds
  RETURN collect(nodeIds) AS walks
}
RETURN walks
