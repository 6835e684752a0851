// Schema first: one uniqueness constraint (and its index) per node label, before any data is written.
CREATE CONSTRAINT {{Name}} IF NOT EXISTS FOR (n:{{Label}}) REQUIRE n.id IS UNIQUE
