// Out- and in-degree of every node of each label, by relationship type, summarised.
MATCH (n)
UNWIND labels(n) AS label
WITH label, n, COUNT { (n)--() } AS degree
RETURN label,
       count(n) AS nodes,
       min(degree) AS min_degree,
       percentileDisc(degree, 0.5) AS median_degree,
       avg(degree) AS mean_degree,
       max(degree) AS max_degree,
       sum(CASE WHEN degree = 0 THEN 1 ELSE 0 END) AS isolated
ORDER BY label
