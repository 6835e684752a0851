"""The fold-in probe's batched user step equals the weighted least-squares solution written out in full."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bench.quality_probes import fold_in


def test_fold_in_matches_the_full_weighted_least_squares_solution() -> None:
    rng = np.random.default_rng(3)
    items = rng.normal(size=(9, 4))
    dense = np.where(rng.random((5, 9)) < 0.4, rng.integers(1, 5, size=(5, 9)), 0).astype(float)
    alpha, regularization = 3.0, 0.7
    solved = fold_in(items, sp.csr_matrix(dense), alpha, regularization, batch=2)
    for user in range(5):
        confidence = np.diag(1.0 + alpha * dense[user])  # every item, the unobserved ones at confidence 1
        preference = (dense[user] > 0).astype(float)
        expected = np.linalg.solve(items.T @ confidence @ items + regularization * np.eye(4),
                                   items.T @ confidence @ preference)
        np.testing.assert_allclose(solved[user], expected, rtol=1e-9, atol=1e-12)
