"""Top-K ranking of dense score matrices, with excluded (user, item) pairs and deterministic ties.

Conventions shared by every function here and by :mod:`mp2v.evaluation.metrics`:

* a top-K list is one row of an :data:`~mp2v.types.IndexArray` of shape ``(n_users, K)``, best item first;
* ties in score are broken by the lower item index, so the same scores always give the same lists;
* an item whose score is ``-inf`` (in particular every excluded pair) is never recommended;
* when a user has fewer than ``K`` recommendable items the row is padded on the right with ``-1``,
  and every metric ignores ``-1``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.types import IndexArray

#: Placeholder item id in a top-K row that has fewer than K recommendable items.
PAD_ITEM = -1


def top_k(scores: npt.NDArray[np.number], k: int, exclude: sp.csr_matrix | None = None) -> IndexArray:
    """Return the ``k`` best items per row of ``scores`` (``n_users x n_items``), best first.

    Pairs stored as nonzeros in ``exclude`` (same shape, e.g. the training interactions) get score
    ``-inf`` and are pushed out. Candidates are found with ``argpartition`` (O(n_items) per user) and only
    those ``k`` are sorted; ties are broken by the lower item index. Rows with fewer than ``k`` finite-scored
    allowed items are padded with ``-1``. ``scores`` is not modified.
    """
    work = _negated_copy(scores)
    n_users, n_items = work.shape
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise EvaluationError(f"top_k: k must be a positive integer, got {k!r}")
    if exclude is not None:
        excluded = _as_csr(exclude, "exclude")
        if excluded.shape != work.shape:
            raise EvaluationError(
                f"top_k: exclude has shape {excluded.shape} but scores have shape {work.shape}; "
                "pass the exclusion rows of exactly the scored users"
            )
        rows, cols = excluded.nonzero()
        work[rows, cols] = np.inf  # negated -inf
    result = np.full((n_users, int(k)), PAD_ITEM, dtype=np.int64)
    k_eff = min(int(k), n_items)
    if n_users == 0 or k_eff == 0:
        return result
    result[:, :k_eff] = _best_sorted(work, k_eff)
    return result


def top_k_batched(
    score_fn: Callable[[IndexArray], npt.NDArray[np.number]],
    users: IndexArray,
    k: int,
    exclude: sp.csr_matrix | None = None,
    batch_size: int = 1024,
) -> IndexArray:
    """:func:`top_k` for ``users``, scoring ``batch_size`` users at a time with ``score_fn(batch_users)``.

    ``score_fn`` returns a ``len(batch) x n_items`` matrix; ``exclude`` rows are indexed by user id
    (``exclude[u]`` is user ``u``'s row), so the full users x items score matrix never exists at once.
    Row ``i`` of the result belongs to ``users[i]``.
    """
    user_ids = np.asarray(users)
    if user_ids.ndim != 1 or (user_ids.size and not np.issubdtype(user_ids.dtype, np.integer)):
        raise EvaluationError("top_k_batched: users must be a 1-D array of integer user ids")
    user_ids = user_ids.astype(np.int64, copy=False)
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise EvaluationError(f"top_k_batched: batch_size must be a positive integer, got {batch_size!r}")
    excluded = _as_csr(exclude, "exclude") if exclude is not None else None
    if excluded is not None and user_ids.size and (user_ids.min() < 0 or user_ids.max() >= excluded.shape[0]):
        raise EvaluationError(
            f"top_k_batched: user ids must lie in [0, {excluded.shape[0]}) to index the exclude rows; "
            f"got range [{user_ids.min()}, {user_ids.max()}]"
        )
    batches: list[IndexArray] = [np.full((0, int(k)), PAD_ITEM, dtype=np.int64)]
    for start in range(0, user_ids.size, int(batch_size)):
        batch = user_ids[start : start + int(batch_size)]
        scores = np.asarray(score_fn(batch))
        if scores.ndim != 2 or scores.shape[0] != batch.size:
            raise EvaluationError(
                f"top_k_batched: score_fn returned shape {scores.shape} for {batch.size} users; "
                "it must return one row of item scores per requested user"
            )
        batch_exclude = excluded[batch] if excluded is not None else None
        batches.append(top_k(scores, k, batch_exclude))
    return np.concatenate(batches, axis=0)


def _best_sorted(neg_scores: npt.NDArray[np.floating], k: int) -> IndexArray:
    """The ``k`` smallest entries per row of ``neg_scores`` (ascending, ties by index); +inf -> ``-1``."""
    n_items = neg_scores.shape[1]
    if k < n_items:
        candidates = np.argpartition(neg_scores, k - 1, axis=1)[:, :k]
        threshold = np.take_along_axis(neg_scores, candidates, axis=1).max(axis=1, keepdims=True)
        # argpartition picks arbitrarily among items tied with the k-th value; redo those rows by index.
        n_at_or_better = np.count_nonzero(neg_scores <= threshold, axis=1)
        ambiguous = (n_at_or_better > k) & (threshold[:, 0] != np.inf)
        if ambiguous.any():
            candidates[ambiguous] = _lowest_index_selection(neg_scores[ambiguous], threshold[ambiguous], k)
    else:
        candidates = np.broadcast_to(np.arange(n_items), neg_scores.shape)
    candidates = np.sort(candidates, axis=1)  # by item index, so the stable sort breaks ties by index
    candidate_scores = np.take_along_axis(neg_scores, candidates, axis=1)
    order = np.argsort(candidate_scores, axis=1, kind="stable")
    ranked = np.take_along_axis(candidates, order, axis=1).astype(np.int64)
    ranked[np.take_along_axis(candidate_scores, order, axis=1) == np.inf] = PAD_ITEM
    return ranked


def _lowest_index_selection(
    neg_scores: npt.NDArray[np.floating], threshold: npt.NDArray[np.floating], k: int
) -> IndexArray:
    """Per row: every item strictly better than ``threshold`` plus the lowest-index items equal to it."""
    better = neg_scores < threshold
    tied = neg_scores == threshold
    n_tied_needed = k - np.count_nonzero(better, axis=1)
    chosen = better | (tied & (np.cumsum(tied, axis=1) <= n_tied_needed[:, None]))
    return np.nonzero(chosen)[1].reshape(-1, k).astype(np.int64)


def _negated_copy(scores: npt.NDArray[np.number]) -> npt.NDArray[np.floating]:
    """``-scores`` as a new float array (so ascending order = best first); rejects NaN and non-2-D input."""
    array = np.asarray(scores)
    if array.ndim != 2:
        raise EvaluationError(f"top_k: scores must be a 2-D users x items matrix, got shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.number) and not np.issubdtype(array.dtype, np.complexfloating)):
        raise EvaluationError(f"top_k: scores must be real numbers, got dtype {array.dtype}")
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float64)
    work: npt.NDArray[np.floating] = np.negative(array, dtype=dtype)
    nan_rows, nan_cols = np.nonzero(np.isnan(work))
    if nan_rows.size:
        raise EvaluationError(
            f"top_k: scores contain {nan_rows.size} NaN values (first at row {nan_rows[0]}, item {nan_cols[0]}); "
            "fix the scoring (e.g. zero-norm vectors under cosine) or set those scores to -inf"
        )
    return work


def _as_csr(matrix: sp.csr_matrix, name: str) -> sp.csr_matrix:
    if not sp.issparse(matrix) or matrix.ndim != 2:
        raise EvaluationError(f"top_k: {name} must be a 2-D scipy sparse matrix (e.g. scipy.sparse.csr_matrix)")
    return sp.csr_matrix(matrix)
