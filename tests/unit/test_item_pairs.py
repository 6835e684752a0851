"""Item-to-item evaluation: AUC-ROC against a brute-force oracle, held-out pairs, neighbour lists."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.evaluation.item_pairs import (
    auc_roc,
    co_consumption_truth,
    held_out_pairs,
    neighbour_lists,
    pair_cosines,
    positive_auc_contributions,
)


def _oracle_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Every (positive, negative) pair counted by hand: 1 if the positive is higher, 1/2 on a tie."""
    total = 0.0
    for p, n in itertools.product(positive.tolist(), negative.tolist()):
        total += 1.0 if p > n else 0.5 if p == n else 0.0
    return total / (positive.size * negative.size)


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_the_pairwise_oracle_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    positive = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)  # small integers: many ties
    negative = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
    assert auc_roc(positive, negative) == pytest.approx(_oracle_auc(positive, negative))


def test_auc_extremes_and_contributions() -> None:
    assert auc_roc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 1.0
    assert auc_roc(np.array([0.0]), np.array([1.0, 2.0])) == 0.0
    assert auc_roc(np.ones(3), np.ones(4)) == 0.5
    contributions = positive_auc_contributions(np.array([1.5, 0.0]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(contributions, [0.5, 0.0])
    with pytest.raises(EvaluationError, match="NaN"):
        auc_roc(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(EvaluationError, match="at least one"):
        auc_roc(np.array([]), np.array([1.0]))


def test_held_out_pairs_are_within_users_and_negatives_are_not_positives() -> None:
    # user 0 held out items 0, 1, 2; user 1 items 2, 3; user 2 only item 4; item 5 is not eligible.
    heldout = sp.csr_matrix((np.ones(7), ([0, 0, 0, 1, 1, 2, 2], [0, 1, 2, 2, 3, 4, 5])), shape=(3, 8))
    eligible = np.array([True, True, True, True, True, False, True, True])
    pairs = held_out_pairs(heldout, eligible, seed=3)
    assert {tuple(p) for p in pairs.positives.tolist()} == {(0, 1), (0, 2), (1, 2), (2, 3)}
    assert len(pairs.negatives) == len(pairs.positives)
    positive_keys = {tuple(p) for p in pairs.positives.tolist()}
    for low, high in pairs.negatives.tolist():
        assert low < high and eligible[low] and eligible[high] and (low, high) not in positive_keys
    used = set(pairs.positives.ravel().tolist())  # popularity-matched negatives: items of the positives only
    assert len(pairs.matched) == len(pairs.positives)
    assert all(low < high and {low, high} <= used and (low, high) not in positive_keys
               for low, high in pairs.matched.tolist())
    truth = pairs.query_truth
    assert truth[2].indices.tolist() == [0, 1, 3] and truth[3].indices.tolist() == [2]


def test_pairs_per_user_are_capped() -> None:
    heldout = sp.csr_matrix(np.ones((1, 30)))
    pairs = held_out_pairs(heldout, np.ones(30, bool), max_pairs_per_user=7, negatives_per_positive=2, seed=0)
    assert len(pairs.positives) == 7 and len(pairs.negatives) == 14


def test_cosines_and_neighbour_lists() -> None:
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(pair_cosines(vectors, np.array([[0, 3], [0, 2], [0, 4]])), [-1.0, 0.0, 0.0],
                               atol=1e-6)
    candidates = np.array([True, True, True, True, False])
    lists = neighbour_lists(vectors, np.array([0, 2]), 3, candidates)
    assert lists[0].tolist() == [1, 2, 3]  # never itself, never a non-candidate
    assert lists[1][0] == 1 and 2 not in lists[1].tolist()
    truth = co_consumption_truth(np.array([[0, 1]]), 5)
    assert truth.nnz == 2 and truth[1, 0] == 1
