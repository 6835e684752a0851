UNWIND $pairs AS pair
MATCH (:User {id: pair[0]})-[r:WATCHED]->(:Video {id: pair[1]})
SET r[$property] = $split
