// Which split is marked on the interaction edges (see mp2v/evaluate/protocols.py).
MATCH (d:Dataset)
RETURN d.holdout_key AS key
