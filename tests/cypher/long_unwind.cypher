// Used by the runner's tests: a long result whose consumer stops early.
UNWIND range(1, $n) AS i
RETURN i
