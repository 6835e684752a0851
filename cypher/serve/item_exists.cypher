MATCH (i:{{Item}} {id: $item})
RETURN i.name AS name, i[$property] IS NOT NULL AS served
