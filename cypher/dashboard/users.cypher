// Every user with the size of their history and their number of distinct friends (a follow in either
// direction; Last.fm lists each friendship both ways), for the user picker's labels.
MATCH (u:{{User}})
RETURN u.id AS id,
       COUNT { (u)-[:{{Interaction}}]->(:{{Item}}) } AS items,
       COUNT { MATCH (u)-[:{{Follows}}]-(f:{{User}}) RETURN DISTINCT f } AS friends
ORDER BY id
