MATCH (u:{{User}} {id: $user})
RETURN u[$property] IS NOT NULL AS served
