  MATCH (a:{{Source}})-[r:{{Type}}]-(b:{{Target}})
  WHERE (r[$holdout_property] IS NULL OR NOT r[$holdout_property] IN $excluded)
  RETURN id(a) * $cycle + $phase_{{#Hop}} AS source, id(b) * $cycle + $next_{{#Hop}} AS target,
         toFloat(coalesce(r.weight, 1.0)) AS weight
