"""Item-to-item ("autoplay") evaluation as pure functions: held-out co-consumption pairs, AUC-ROC, neighbour lists.

The recsys-nlp-graph protocol: a positive pair is two items one user consumed in the *held-out* interactions;
a negative pair is two items drawn uniformly at random. A model scores a pair by the cosine of its item
vectors; AUC-ROC is the probability that a random positive pair outscores a random negative pair (ties 1/2).
The same held-out pairs also give each query item a truth set, so its nearest-neighbour list is judged by
Recall@K / NDCG@K like a user's recommendation list (see :mod:`mp2v.evaluation.metrics`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.types import IndexArray, InteractionMatrix

FloatArray = npt.NDArray[np.float64]
#: Pairs scored per block when cosine similarities are computed (bounds the (pairs, dims) scratch).
_PAIR_BLOCK = 1 << 16


@dataclass(frozen=True)
class ItemPairs:
    """Positive (co-consumed) and negative (random) item pairs, as column indices ``(n, 2)``."""

    positives: IndexArray
    negatives: IndexArray
    n_items: int
    #: Random pairs whose items are drawn as often as they occur in the positives (popularity-matched): uniform
    #: negatives are mostly long-tail items, so their AUC also rewards a popularity bias of the vectors.
    matched: IndexArray = field(default_factory=lambda: np.empty((0, 2), np.int64))

    @property
    def query_truth(self) -> sp.csr_matrix:
        """Items x items: row ``i`` holds every item co-consumed with ``i`` in a positive pair (both ways)."""
        return co_consumption_truth(self.positives, self.n_items)


def held_out_pairs(heldout: InteractionMatrix, eligible: npt.NDArray[np.bool_], *, max_pairs_per_user: int = 50,
                   max_pairs: int = 200_000, negatives_per_positive: int = 1, seed: int = 0) -> ItemPairs:
    """Co-consumption pairs ``i < j`` within each user's held-out row, and as many random pairs per positive.

    Only ``eligible`` items (those every method could have learned: present in training) take part. A user
    with ``m`` eligible held-out items gives ``m (m - 1) / 2`` pairs, at most ``max_pairs_per_user`` of them
    (drawn at random, so heavy users cannot dominate); duplicates over users count once; at most ``max_pairs``
    are kept. Negatives are uniform pairs of distinct eligible items that are not positives.
    """
    matrix = sp.csr_matrix(heldout)
    if eligible.shape != (matrix.shape[1],):
        raise EvaluationError(f"held_out_pairs: eligible has shape {eligible.shape}, expected ({matrix.shape[1]},) "
                              "(one flag per item column)")
    if max_pairs_per_user < 1 or max_pairs < 1 or negatives_per_positive < 1:
        raise EvaluationError("held_out_pairs: max_pairs_per_user, max_pairs and negatives_per_positive must be >= 1")
    rng = np.random.default_rng(seed)
    keys: list[npt.NDArray[np.int64]] = []
    n_items = matrix.shape[1]
    for user in range(matrix.shape[0]):
        items = matrix.indices[matrix.indptr[user]:matrix.indptr[user + 1]]
        items = np.sort(items[eligible[items]]).astype(np.int64)
        if items.size < 2:
            continue
        first, second = np.triu_indices(items.size, k=1)
        if first.size > max_pairs_per_user:
            pick = rng.choice(first.size, size=max_pairs_per_user, replace=False)
            first, second = first[pick], second[pick]
        keys.append(items[first] * n_items + items[second])
    unique = np.unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)
    if unique.size > max_pairs:
        unique = np.sort(rng.choice(unique, size=max_pairs, replace=False))
    positives = np.stack((unique // n_items, unique % n_items), axis=1) if unique.size else np.empty((0, 2), np.int64)
    forbidden = set(unique.tolist())
    count = unique.size * negatives_per_positive
    negatives = random_pairs(np.flatnonzero(eligible), count, forbidden, n_items, rng)
    occurrences = np.bincount(positives.ravel(), minlength=n_items).astype(np.float64)
    present = np.flatnonzero(occurrences)
    matched = random_pairs(present, count, forbidden, n_items, rng, weights=occurrences[present] / occurrences.sum())
    return ItemPairs(positives.astype(np.int64), negatives, n_items, matched)


def random_pairs(items: IndexArray, count: int, forbidden: set[int], n_items: int, rng: np.random.Generator,
                 weights: npt.NDArray[np.float64] | None = None) -> IndexArray:
    """``count`` pairs ``i < j`` of distinct ``items`` (drawn uniformly, or by ``weights``), none of whose keys
    is in ``forbidden``."""
    if count == 0:
        return np.empty((0, 2), np.int64)
    if items.size < 2:
        raise EvaluationError("random_pairs: need at least two eligible items to draw negative pairs")
    chosen: list[npt.NDArray[np.int64]] = []
    total = 0
    for _ in range(100):  # rejection sampling; each round keeps most draws unless the graph is tiny and dense
        first, second = rng.choice(items, size=(2, 2 * (count - total) + 16), p=weights)
        low, high = np.minimum(first, second), np.maximum(first, second)
        key = low.astype(np.int64) * n_items + high
        keep = (low != high) & ~np.isin(key, np.fromiter(forbidden, np.int64, len(forbidden)))
        chosen.append(np.stack((low[keep], high[keep]), axis=1)[: count - total])
        total += len(chosen[-1])
        if total >= count:
            break
    if total < count:
        raise EvaluationError(f"random_pairs: could only draw {total} of {count} negative pairs; too few items")
    return np.concatenate(chosen).astype(np.int64)


def co_consumption_truth(positives: IndexArray, n_items: int) -> sp.csr_matrix:
    """Items x items binary matrix with both ``(i, j)`` and ``(j, i)`` stored for every positive pair."""
    rows = np.concatenate((positives[:, 0], positives[:, 1]))
    cols = np.concatenate((positives[:, 1], positives[:, 0]))
    truth = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n_items, n_items))
    truth.data[:] = 1.0
    return truth


def unit_rows(vectors: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Rows scaled to length 1 (zero rows stay zero)."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


def pair_cosines(vectors: npt.NDArray[np.floating], pairs: IndexArray) -> FloatArray:
    """Cosine similarity of each pair's two item vectors (0 where either vector is zero)."""
    unit = unit_rows(vectors)
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), _PAIR_BLOCK):
        block = pairs[start:start + _PAIR_BLOCK]
        out[start:start + len(block)] = np.einsum("ij,ij->i", unit[block[:, 0]], unit[block[:, 1]])
    return out


def auc_roc(positive_scores: npt.NDArray[np.floating], negative_scores: npt.NDArray[np.floating]) -> float:
    """AUC-ROC = P(positive > negative) + P(tie) / 2 (the Mann-Whitney U statistic / (n_pos n_neg))."""
    return float(positive_auc_contributions(positive_scores, negative_scores).mean())


def positive_auc_contributions(positive_scores: npt.NDArray[np.floating],
                               negative_scores: npt.NDArray[np.floating]) -> FloatArray:
    """Per positive: the share of negatives it outscores (ties 1/2). Their mean is the AUC, so two methods'
    contributions on the same positives can be compared by a paired test."""
    positive = np.asarray(positive_scores, dtype=np.float64)
    negative = np.sort(np.asarray(negative_scores, dtype=np.float64))
    if positive.size == 0 or negative.size == 0:
        raise EvaluationError("auc_roc: need at least one positive and one negative score")
    if np.isnan(positive).any() or np.isnan(negative).any():
        raise EvaluationError("auc_roc: NaN scores; give every pair a finite score (0 for a missing vector)")
    below = np.searchsorted(negative, positive, side="left")
    not_above = np.searchsorted(negative, positive, side="right")
    return (below + 0.5 * (not_above - below)) / negative.size


def neighbour_lists(vectors: npt.NDArray[np.floating], queries: IndexArray, k: int,
                    candidates: npt.NDArray[np.bool_]) -> IndexArray:
    """Top-``k`` cosine neighbours of each query item among ``candidates`` (never the item itself), ``-1`` padded."""
    unit = unit_rows(vectors)
    lists = np.full((queries.size, k), -1, dtype=np.int64)
    blocked = ~candidates
    block_rows = max(1, (1 << 22) // max(1, unit.shape[0]))
    for start in range(0, queries.size, block_rows):
        rows = queries[start:start + block_rows]
        scores = unit[rows] @ unit.T
        scores[:, blocked] = -np.inf
        scores[np.arange(rows.size), rows] = -np.inf
        width = min(k, scores.shape[1])
        top = np.argpartition(-scores, width - 1, axis=1)[:, :width]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top[~np.isfinite(np.take_along_axis(scores, top, axis=1))] = -1
        lists[start:start + rows.size, :width] = top
    return lists

