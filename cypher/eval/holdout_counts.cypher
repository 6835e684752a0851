// How many interactions one split marks per part; $property is the split's own holdout_<key> property.
MATCH ()-[r:{{Interaction}}]->()
WHERE r[$property] IS NOT NULL
RETURN r[$property] AS split, count(r) AS count
