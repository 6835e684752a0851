// Point a served alias at a slot, in one transaction: a query reads either the old or the new slot.
MERGE (a:ServedAlias {name: $name})
WITH a, a.slot AS old
SET a.previous = old, a.slot = $slot, a.swapped_at = datetime()
RETURN old
