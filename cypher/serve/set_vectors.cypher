// Vectors as compact float arrays (the storage a vector index reads), batched by the caller.
UNWIND $rows AS row
MATCH (n:{{Label}} {id: row.id})
CALL db.create.setNodeVectorProperty(n, $property, row.vector)
