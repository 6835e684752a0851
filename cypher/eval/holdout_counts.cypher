MATCH ()-[r:{{Interaction}}]->()
WHERE r.holdout IS NOT NULL
RETURN r.holdout AS split, count(r) AS count
