MERGE (s:ServedRun {slot: $properties.slot})
SET s = $properties
