"""One user's evaluated list, as the evaluation scored it: the saved top-K, the held-out items it hit and
the user's own metrics (pure; reads only arrays an evaluation report saved and the split it was judged on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.evaluation.metrics import hit_rate_at_k, hits_matrix, ndcg_at_k, precision_at_k, recall_at_k
from mp2v.evaluation.split import Split, ThreeWaySplit
from mp2v.types import IndexArray

#: Per-user metrics shown next to an evaluated list.
USER_METRICS = {"recall": recall_at_k, "ndcg": ndcg_at_k, "hit_rate": hit_rate_at_k, "precision": precision_at_k}


@dataclass(frozen=True)
class UserEvaluation:
    """``items`` are item columns (the report's ``item_ids`` axis), best first; ``hits[i]`` is True when
    ``items[i]`` is one of the user's held-out ``truth`` items; ``metrics`` holds this user's value of each
    of :data:`USER_METRICS` at the list's length (empty when the user had nothing held out)."""

    items: IndexArray
    hits: npt.NDArray[np.bool_]
    truth: IndexArray
    metrics: dict[str, float]


def stage_truth(split: Split, stage: str) -> sp.csr_matrix | None:
    """The held-out matrix a holdout report's ``stage`` was judged on (test or validation); None otherwise."""
    if not isinstance(split, ThreeWaySplit):
        return None
    return split.test if stage == "test" else split.validation if stage == "validation" else None


def user_row(arrays: Mapping[str, npt.NDArray[Any]], user: Any) -> int | None:
    """The row of ``user`` in a report's saved arrays; None when the evaluation did not rank them."""
    found = np.flatnonzero(arrays["user_ids"] == user)
    return int(found[0]) if found.size else None


def user_evaluation(arrays: Mapping[str, npt.NDArray[Any]], row: int, truth: sp.csr_matrix | None,
                    k: int) -> UserEvaluation:
    """The first ``k`` items of the saved list of ``row``, marked against the truth, with the user's metrics.

    The metrics are recomputed with the evaluation's own functions on the one row, so they equal the
    report's per-user values at every K it saved, and exist at any other K too.
    """
    lists = np.asarray(arrays["topk"][row : row + 1, :k], dtype=np.int64)
    items = lists[0][lists[0] >= 0]
    if truth is None:
        return UserEvaluation(items, np.zeros(items.size, dtype=bool), np.empty(0, dtype=np.int64), {})
    relevant = truth[row : row + 1]
    held_out = np.sort(relevant.indices.astype(np.int64))
    hits = np.isin(items, held_out)
    metrics = {name: float(metric(lists, relevant)[0]) for name, metric in USER_METRICS.items()} \
        if held_out.size else {}
    return UserEvaluation(items, hits, held_out, metrics)


def mrr_at_k(topk: IndexArray, truth: sp.csr_matrix, k: int) -> float:
    """Mean reciprocal rank of the first held-out item in each list's top ``k`` (0 when none is there),
    over the users with a non-empty truth row: the evaluation's own hit test, one more summary of it."""
    hits = hits_matrix(np.asarray(topk)[:, :k], truth)
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    if users.size == 0:
        return float("nan")
    hits = hits[users]
    first = np.argmax(hits, axis=1)
    reciprocal = np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)
    return float(reciprocal.mean())
