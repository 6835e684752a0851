// Every interaction as (user id, item id, raw signal), the input of splits and baselines.
MATCH (u:{{User}})-[r:{{Interaction}}]->(i:{{Item}})
RETURN u.id AS user, i.id AS item, toFloat(coalesce(r[$signal], r.weight, 1.0)) AS signal
