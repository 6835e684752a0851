MATCH (d:Dataset)
SET d.holdout_key = $key
