"""The graph model: what the database holds (labels, types, id types) and metapaths over it."""
