"""Held-out favourites (the ThirtyMusic user-kNN study) as pure functions.

Each user with more than ``min_items`` distinct items hides one item drawn at random from their 2nd to 6th
most played (by the interaction signal, e.g. play count); a method is judged by whether the hidden item comes
back in its top 10 (hit rate@10). The study compared methods with a two-sided t-test over the hit rates of
30 random 10 % subsamples of the test users; :func:`subsample_hit_rates` draws those (the same subsamples for
every method, so the comparison is fair) and :func:`two_sided_t_test` compares two methods' 30 values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import stats

from mp2v.errors import EvaluationError
from mp2v.types import IndexArray, InteractionMatrix

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FavouritesSplit:
    """``train`` + ``test`` == the input; ``test`` holds one hidden item per row of ``users``."""

    train: sp.csr_matrix
    test: sp.csr_matrix
    users: IndexArray
    hidden: IndexArray


def hide_favourites(interactions: InteractionMatrix, *, min_items: int = 10, ranks: tuple[int, int] = (2, 6),
                    seed: int = 0) -> FavouritesSplit:
    """For each user with more than ``min_items`` items, hide one of their ``ranks[0]``..``ranks[1]`` most
    played items (1 = most played; ties broken by item column), drawn uniformly with ``seed``."""
    low, high = ranks
    if not 1 <= low <= high or min_items < high:
        raise EvaluationError(f"hide_favourites: ranks={ranks} and min_items={min_items} are invalid; need "
                              "1 <= low <= high <= min_items (e.g. ranks (2, 6), min_items 10)")
    matrix = sp.csr_matrix(interactions, dtype=np.float64, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    rng = np.random.default_rng(seed)
    users, hidden = [], []
    for user in range(matrix.shape[0]):
        start, end = matrix.indptr[user], matrix.indptr[user + 1]
        if end - start <= min_items:
            continue
        items, plays = matrix.indices[start:end], matrix.data[start:end]
        order = np.lexsort((items, -plays))  # most played first; equal counts by item column
        users.append(user)
        hidden.append(int(items[order[rng.integers(low - 1, high)]]))
    if not users:
        raise EvaluationError(f"hide_favourites: no user has more than {min_items} items; "
                              "lower min_items (--min-items) or load more interactions")
    rows, cols = np.asarray(users, np.int64), np.asarray(hidden, np.int64)
    held = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=matrix.shape)
    train = matrix - matrix.multiply(held != 0)
    train = sp.csr_matrix(train, dtype=np.float32)
    train.eliminate_zeros()
    return FavouritesSplit(train, held, rows, cols)


def hits_at_k(topk: IndexArray, hidden: IndexArray, k: int = 10) -> FloatArray:
    """1.0 where the row's hidden item is in its first ``k`` entries of ``topk``, else 0.0."""
    lists = np.asarray(topk)
    if lists.ndim != 2 or lists.shape[0] != len(hidden) or lists.shape[1] < k:
        raise EvaluationError(f"hits_at_k: topk has shape {lists.shape}; need ({len(hidden)}, >= {k})")
    return (lists[:, :k] == np.asarray(hidden)[:, None]).any(axis=1).astype(np.float64)


def subsample_indices(n_users: int, *, samples: int = 30, fraction: float = 0.1, seed: int = 0) -> IndexArray:
    """``samples`` x ``ceil(fraction n_users)`` random user positions, each row without replacement."""
    if n_users < 1 or samples < 2 or not 0.0 < fraction <= 1.0:
        raise EvaluationError(f"subsample_indices: need users >= 1, samples >= 2 and 0 < fraction <= 1, got "
                              f"{n_users}, {samples}, {fraction}")
    size = max(1, int(np.ceil(fraction * n_users)))
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(n_users, size=size, replace=False) for _ in range(samples)]).astype(np.int64)


def subsample_hit_rates(per_user_hits: npt.NDArray[np.floating], subsamples: IndexArray) -> FloatArray:
    """The mean hit of each subsample (row of ``subsamples``)."""
    return np.asarray(per_user_hits, np.float64)[subsamples].mean(axis=1)


def two_sided_t_test(a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]) -> tuple[float, float]:
    """Student's two-sided t-test of two samples (statistic, p), as the ThirtyMusic study compared methods;
    ``(0, 1)`` when both samples are the same constant."""
    first, second = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if first.size < 2 or second.size < 2:
        raise EvaluationError("two_sided_t_test: need at least two values per sample")
    if np.ptp(first) == 0 and np.ptp(second) == 0 and first[0] == second[0]:
        return 0.0, 1.0
    result = stats.ttest_ind(first, second, alternative="two-sided")
    return float(result.statistic), float(result.pvalue)
