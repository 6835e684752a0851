"""Top-K ranking: order, deterministic ties, exclusion, padding and batching."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.evaluation.ranking import top_k, top_k_batched


def naive_top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None) -> np.ndarray:
    """Independent oracle: sort every allowed item by (-score, item index) in plain Python."""
    excluded = exclude.toarray() != 0 if exclude is not None else np.zeros(scores.shape, dtype=bool)
    rows = []
    for user in range(scores.shape[0]):
        allowed = [
            item for item in range(scores.shape[1]) if not excluded[user, item] and scores[user, item] != -np.inf
        ]
        ranked = sorted(allowed, key=lambda item: (-scores[user, item], item))[:k]
        rows.append(ranked + [-1] * (k - len(ranked)))
    return np.array(rows, dtype=np.int64).reshape(scores.shape[0], k)


def test_orders_by_descending_score_and_breaks_ties_by_lower_index() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 2.0, 1.0, 0.0]])
    np.testing.assert_array_equal(top_k(scores, 3), [[1, 3, 2], [0, 1, 2]])


def test_ties_at_the_cut_keep_the_lowest_item_indices() -> None:
    scores = np.array([[1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 5.0, 5.0, 5.0, 0.0], [2.0, 1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(top_k(scores, 2), [[0, 1], [1, 2], [0, 1]])


def test_excluded_pairs_are_pushed_out() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.8]])
    exclude = sp.csr_matrix(np.array([[0, 1, 0, 0]]))
    np.testing.assert_array_equal(top_k(scores, 3, exclude), [[3, 2, 0]])


def test_pads_with_minus_one_when_too_few_items_are_allowed() -> None:
    scores = np.array([[0.3, 0.2, 0.1], [0.3, -np.inf, 0.1]])
    exclude = sp.csr_matrix(np.array([[1, 0, 1], [0, 0, 0]]))
    np.testing.assert_array_equal(top_k(scores, 5, exclude), [[1, -1, -1, -1, -1], [0, 2, -1, -1, -1]])


def test_a_fully_excluded_row_is_all_padding() -> None:
    scores = np.ones((2, 4))
    exclude = sp.csr_matrix(np.array([[1, 1, 1, 1], [0, 0, 0, 0]]))
    np.testing.assert_array_equal(top_k(scores, 2, exclude), [[-1, -1], [0, 1]])


def test_does_not_modify_the_scores_and_accepts_integer_scores() -> None:
    scores = np.array([[1, 3, 2]])
    before = scores.copy()
    np.testing.assert_array_equal(top_k(scores, 2, sp.csr_matrix(np.array([[0, 1, 0]]))), [[2, 0]])
    np.testing.assert_array_equal(scores, before)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 5, 20, 250])
def test_matches_a_naive_sort_on_random_scores_with_many_ties(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=(50, 200)).astype(np.float32)  # few distinct values -> many ties
    scores[rng.random(scores.shape) < 0.02] = -np.inf
    excluded = rng.random((50, 200)) < 0.3
    excluded[:3] = True  # three users with nothing left to recommend
    exclude = sp.csr_matrix(excluded.astype(np.float64))
    np.testing.assert_array_equal(top_k(scores, k, exclude), naive_top_k(scores, k, exclude))


def test_rejects_inconsistent_inputs() -> None:
    scores = np.zeros((2, 3))
    with pytest.raises(EvaluationError, match="NaN"):
        top_k(np.array([[0.0, np.nan]]), 1)
    with pytest.raises(EvaluationError, match="shape"):
        top_k(scores, 1, sp.csr_matrix((2, 4)))
    with pytest.raises(EvaluationError, match="positive integer"):
        top_k(scores, 0)
    with pytest.raises(EvaluationError, match="2-D"):
        top_k(np.zeros(3), 1)


@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_batched_equals_unbatched_for_any_user_order(batch_size: int) -> None:
    rng = np.random.default_rng(3)
    all_scores = rng.integers(0, 4, size=(40, 30)).astype(np.float64)
    exclude = sp.random(40, 30, density=0.2, format="csr", random_state=3)
    users = rng.permutation(40)[:25]
    requested: list[int] = []

    def score_fn(batch: np.ndarray) -> np.ndarray:
        requested.append(batch.size)
        return all_scores[batch]

    batched = top_k_batched(score_fn, users, 5, exclude, batch_size=batch_size)
    np.testing.assert_array_equal(batched, top_k(all_scores, 5, exclude)[users])
    assert max(requested) <= batch_size


def test_batched_with_no_users_and_bad_inputs() -> None:
    def score_fn(batch: np.ndarray) -> np.ndarray:
        return np.zeros((batch.size, 4))

    assert top_k_batched(score_fn, np.array([], dtype=np.int64), 3).shape == (0, 3)
    with pytest.raises(EvaluationError, match="user ids"):
        top_k_batched(score_fn, np.array([5]), 3, sp.csr_matrix((2, 4)))
    with pytest.raises(EvaluationError, match="one row of item scores"):
        top_k_batched(lambda batch: np.zeros((1, 4)), np.array([0, 1]), 3)
