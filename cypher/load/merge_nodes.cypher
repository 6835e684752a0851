// Nodes with properties. $rows: [id, {property: value}]; a null value removes the property (idempotent).
UNWIND $rows AS row
MERGE (n:{{Label}} {id: row[0]})
SET n += row[1]
