// Lowest and highest internal id of a label's nodes: the range the batched exports below walk through.
MATCH (n:{{Label}})
RETURN min(id(n)) AS lo, max(id(n)) AS hi, count(n) AS nodes
