// Does at least one relationship of this type go from a Source node to a Target node?
RETURN EXISTS { MATCH (:{{Source}})-[:{{Type}}]->(:{{Target}}) } AS present
