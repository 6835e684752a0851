// Layered projection of a metapath (see mp2v/walks/projection.py): node (n, phase) gets the integer id
// id(n) * $cycle + phase and every hop-i relationship a->b becomes (a, i) -> (b, i + 1 mod cycle).
CALL () {
