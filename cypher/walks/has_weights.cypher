// Does any relationship of this type carry a weight?
RETURN EXISTS { MATCH ()-[r:{{Type}}]->() WHERE r.weight IS NOT NULL } AS present
