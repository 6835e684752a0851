// The slot a served alias points at and the run served there (the refresh swaps the alias in one write).
MATCH (a:ServedAlias {name: $name})
OPTIONAL MATCH (s:ServedRun {slot: a.slot})
RETURN a.slot AS slot, a.previous AS previous, s.run_id AS run_id
