// The :Dataset node that graph_model.write_model merges by name.
CREATE CONSTRAINT dataset_name_unique IF NOT EXISTS FOR (d:Dataset) REQUIRE d.name IS UNIQUE
