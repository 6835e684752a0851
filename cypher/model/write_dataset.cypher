MERGE (d:Dataset {name: $properties.name})
SET d = $properties
