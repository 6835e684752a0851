"""Held-out favourites: which item is hidden, hit rates, subsamples and the t-test."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from mp2v.errors import EvaluationError
from mp2v.evaluation.favourites import (
    hide_favourites,
    hits_at_k,
    subsample_hit_rates,
    subsample_indices,
    two_sided_t_test,
)


def _plays(seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.integers(1, 1000, size=(40, 30)).astype(np.float32)
    dense[rng.random(dense.shape) < 0.5] = 0
    dense[:5, 11:] = 0  # users 0-4 have at most 11 items: some of them are not eligible
    return sp.csr_matrix(dense)


@pytest.mark.parametrize("seed", range(3))
def test_hidden_item_is_one_of_the_users_2nd_to_6th_most_played(seed: int) -> None:
    plays = _plays(seed)
    split = hide_favourites(plays, min_items=10, seed=seed)
    counts = np.diff(plays.indptr)
    assert split.users.tolist() == np.flatnonzero(counts > 10).tolist()
    for user, item in zip(split.users.tolist(), split.hidden.tolist(), strict=True):
        row = plays[user].toarray().ravel()
        ranked = sorted(np.flatnonzero(row).tolist(), key=lambda i: (-row[i], i))
        assert item in ranked[1:6]
        assert split.train[user, item] == 0 and split.test[user, item] == 1
    assert split.train.nnz + split.test.nnz == plays.nnz
    assert (split.train + split.test.multiply(plays)).toarray() == pytest.approx(plays.toarray())


def test_hidden_items_vary_over_the_allowed_ranks() -> None:
    plays = sp.csr_matrix(np.tile(np.arange(20, 0, -1, dtype=np.float32), (300, 1)))  # ranks = columns
    hidden = hide_favourites(plays, seed=1).hidden
    assert set(hidden.tolist()) == {1, 2, 3, 4, 5}


def test_no_eligible_user_and_bad_ranks_are_errors() -> None:
    with pytest.raises(EvaluationError, match="no user has more than 10"):
        hide_favourites(sp.csr_matrix(np.ones((3, 5))))
    with pytest.raises(EvaluationError, match="ranks"):
        hide_favourites(sp.csr_matrix(np.ones((3, 5))), ranks=(0, 6))


def test_hits_subsamples_and_t_test() -> None:
    topk = np.array([[3, 4, 5], [1, 2, 9], [7, 8, 0]])
    np.testing.assert_array_equal(hits_at_k(topk, np.array([5, 9, 1]), k=3), [1, 1, 0])
    np.testing.assert_array_equal(hits_at_k(topk, np.array([5, 9, 1]), k=2), [0, 0, 0])
    samples = subsample_indices(95, samples=30, fraction=0.1, seed=0)
    assert samples.shape == (30, 10) and all(len(set(row)) == 10 for row in samples.tolist())
    hits = (np.arange(95) % 3 == 0).astype(float)
    np.testing.assert_allclose(subsample_hit_rates(hits, samples), hits[samples].mean(axis=1))
    a, b = np.array([0.1, 0.2, 0.3, 0.25]), np.array([0.3, 0.4, 0.35, 0.5])
    t, p = two_sided_t_test(a, b)
    pooled = np.sqrt(((a.var(ddof=1) + b.var(ddof=1)) / 2) * (2 / 4))
    assert t == pytest.approx((a.mean() - b.mean()) / pooled)
    assert p == pytest.approx(2 * stats.t.sf(abs(t), df=6))
    assert two_sided_t_test(np.ones(3), np.ones(3)) == (0.0, 1.0)
