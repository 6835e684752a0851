"""Top-K metrics as small pure functions, vectorised over all users at once.

Inputs: ``topk`` is an :data:`~mp2v.types.IndexArray` ``(n_users, K)`` of item ids, best first, padded with
``-1`` (ignored everywhere: never a hit, never recommended); ``truth`` is a users x items sparse matrix whose
stored nonzeros are the relevant items, with rows aligned to ``topk`` rows. ``k`` arguments cut the lists to
their first ``k`` columns (default: all ``K``).

Per-user accuracy metrics (recall, NDCG, hit rate, precision) are ``NaN`` for users with an empty truth row,
where they are undefined; :func:`mean_over_users` skips those users, so its means never contain NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.types import IndexArray, InteractionMatrix

FloatArray = npt.NDArray[np.float64]
#: One float per user (row of ``topk``).
PerUserValues = FloatArray
BoolMatrix = npt.NDArray[np.bool_]
#: Users gathered per chunk when item vectors are expanded to ``(users, K, dims)``.
_GATHER_ELEMENTS = 1 << 22


def hits_matrix(topk: IndexArray, truth: InteractionMatrix) -> BoolMatrix:
    """``hits[u, r]`` is True iff ``topk[u, r]`` is a stored nonzero of ``truth[u]`` (``-1`` is never a hit).

    Vectorised membership: each pair is encoded as ``u * n_items + i`` and looked up with ``searchsorted``
    in the row-major sorted keys of ``truth``'s nonzeros.
    """
    relevant = _canonical_truth(truth)
    lists = _checked_topk(topk, relevant.shape[1], n_rows=relevant.shape[0])
    return _hits(lists, relevant)


def recall_at_k(topk: IndexArray, truth: InteractionMatrix, k: int | None = None) -> PerUserValues:
    """Recall@K = (hits in the top K) / |truth_u| (RecBole's denominator, not min(K, |truth_u|))."""
    hits, relevant = _prepared_hits(topk, truth, k)
    return _recall(hits, _truth_sizes(relevant))


def ndcg_at_k(topk: IndexArray, truth: InteractionMatrix, k: int | None = None) -> PerUserValues:
    """Binary NDCG@K = DCG / IDCG with DCG = sum_{r<K} hit_r / log2(r + 2) (rank r from 0)
    and IDCG = sum_{r < min(K, |truth_u|)} 1 / log2(r + 2)."""
    hits, relevant = _prepared_hits(topk, truth, k)
    return _ndcg(hits, _truth_sizes(relevant))


def hit_rate_at_k(topk: IndexArray, truth: InteractionMatrix, k: int | None = None) -> PerUserValues:
    """HitRate@K = 1 if at least one of the top K items is relevant, else 0."""
    hits, relevant = _prepared_hits(topk, truth, k)
    return _hit_rate(hits, _truth_sizes(relevant))


def precision_at_k(topk: IndexArray, truth: InteractionMatrix, k: int | None = None) -> PerUserValues:
    """Precision@K = (hits in the top K) / K, with K the cut-off even where the list is padded with ``-1``."""
    hits, relevant = _prepared_hits(topk, truth, k)
    return _precision(hits, _truth_sizes(relevant))


def mean_over_users(per_user: npt.NDArray[np.floating], truth: InteractionMatrix | None = None) -> float:
    """Mean of ``per_user`` over users with a non-empty ``truth`` row (if given) and a defined (non-NaN) value.

    Raises :class:`EvaluationError` if no user qualifies, so the result is never NaN.
    """
    values = np.asarray(per_user, dtype=np.float64)
    if values.ndim != 1:
        raise EvaluationError(f"mean_over_users: expected one value per user, got shape {values.shape}")
    keep = ~np.isnan(values)
    if truth is not None:
        sizes = _truth_sizes(_canonical_truth(truth))
        if sizes.size != values.size:
            raise EvaluationError(f"mean_over_users: {values.size} values but truth has {sizes.size} rows")
        keep &= sizes > 0
    if not keep.any():
        raise EvaluationError("mean_over_users: no user has a non-empty truth row and a defined value")
    return float(values[keep].mean())


def coverage_at_k(topk: IndexArray, n_items: int, k: int | None = None) -> float:
    """Catalogue coverage = (distinct items in the top K of any list) / n_items."""
    lists = _cut(_checked_topk(topk, _checked_n_items(n_items)), k)
    return float(np.count_nonzero(_exposure(lists, n_items)) / n_items)


def intra_list_diversity(topk: IndexArray, item_vectors: npt.NDArray[np.floating]) -> PerUserValues:
    """ILD_u = 1 - mean_{i<j} cos(v_i, v_j) over the list's items (NaN for lists of fewer than 2 items).

    With unit vectors, sum_{i<j} v_i . v_j = (|sum_i v_i|^2 - sum_i |v_i|^2) / 2, computed by einsum in user
    chunks; a zero vector has cosine 0 with everything.
    """
    vectors = np.asarray(item_vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise EvaluationError(f"intra_list_diversity: item_vectors must be n_items x dims, got {vectors.shape}")
    lists = _checked_topk(topk, vectors.shape[0])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    valid = lists >= 0
    n_valid = np.count_nonzero(valid, axis=1)
    pair_sums = np.empty(lists.shape[0], dtype=np.float64)
    chunk = max(1, _GATHER_ELEMENTS // max(1, lists.shape[1] * unit.shape[1]))
    for start in range(0, lists.shape[0], chunk):
        rows = slice(start, start + chunk)
        gathered = unit[np.where(valid[rows], lists[rows], 0)] * valid[rows][:, :, None]
        summed = gathered.sum(axis=1)
        squared_norms = np.einsum("ukd,ukd->u", gathered, gathered)
        pair_sums[rows] = (np.einsum("ud,ud->u", summed, summed) - squared_norms) / 2.0
    n_pairs = n_valid * (n_valid - 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_pairs > 0, 1.0 - pair_sums / n_pairs, np.nan)


def unique_features_per_list(topk: IndexArray, item_features: InteractionMatrix) -> IndexArray:
    """Number of distinct features (nonzero columns of ``item_features``, n_items x n_features) over each list."""
    if not sp.issparse(item_features) or item_features.ndim != 2:
        raise EvaluationError("unique_features_per_list: item_features must be a sparse n_items x n_features matrix")
    features = sp.csr_matrix(item_features, dtype=np.float64, copy=True)
    features.eliminate_zeros()
    features.data[:] = 1.0
    lists = _checked_topk(topk, features.shape[0])
    rows, ranks = np.nonzero(lists >= 0)
    membership = sp.csr_matrix(
        (np.ones(rows.size), (rows, lists[rows, ranks])), shape=(lists.shape[0], features.shape[0])
    )
    return np.diff((membership @ features).indptr).astype(np.int64)


def popularity_from_interactions(train: InteractionMatrix) -> FloatArray:
    """p_i = (number of users with a stored nonzero for item i in ``train``) / n_users, one value per item."""
    interactions = _canonical_truth(train)
    if interactions.shape[0] == 0:
        raise EvaluationError("popularity_from_interactions: the training matrix has no users")
    return np.bincount(interactions.indices, minlength=interactions.shape[1]) / interactions.shape[0]


def novelty(topk: IndexArray, item_popularity: npt.NDArray[np.floating]) -> PerUserValues:
    """Novelty_u = mean over the list of -log2(p_i), p_i = training popularity (see popularity_from_interactions).

    Items never seen in training (p_i = 0) use the smallest positive p instead; NaN for an empty list.
    """
    popularity = np.asarray(item_popularity, dtype=np.float64)
    if popularity.ndim != 1 or np.isnan(popularity).any() or (popularity < 0).any() or (popularity > 1).any():
        raise EvaluationError("novelty: item_popularity must be a 1-D array of probabilities in [0, 1]")
    if not (popularity > 0).any():
        raise EvaluationError("novelty: every item has popularity 0; compute it from a non-empty training matrix")
    lists = _checked_topk(topk, popularity.size)
    guarded = np.where(popularity > 0, popularity, popularity[popularity > 0].min())
    valid = lists >= 0
    information = np.where(valid, -np.log2(guarded[np.where(valid, lists, 0)]), 0.0)
    n_valid = np.count_nonzero(valid, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_valid > 0, information.sum(axis=1) / n_valid, np.nan)


def gini_of_exposure(topk: IndexArray, n_items: int) -> float:
    """Gini of item exposure counts c (sorted ascending, i = 1..n): G = 2 sum_i i c_i / (n sum c) - (n + 1) / n.

    0 means every item is recommended equally often; a single exposed item gives (n - 1) / n -> 1.
    """
    counts = np.sort(_nonempty_exposure(topk, n_items, "gini_of_exposure"))
    ranks = np.arange(1, n_items + 1, dtype=np.float64)
    return float(2.0 * (ranks @ counts) / (n_items * counts.sum()) - (n_items + 1) / n_items)


def lorenz_curve(topk: IndexArray, n_items: int) -> tuple[FloatArray, FloatArray]:
    """Lorenz curve of exposure: x = share of items (least exposed first), y = their share of all exposures.

    Both arrays have n_items + 1 points and start at (0, 0), end at (1, 1); the diagonal is equal exposure.
    """
    counts = np.sort(_nonempty_exposure(topk, n_items, "lorenz_curve"))
    x = np.arange(n_items + 1, dtype=np.float64) / n_items
    y = np.concatenate(([0.0], np.cumsum(counts) / counts.sum()))
    return x, y


@dataclass(frozen=True)
class MetricReport:
    """Result of :func:`evaluate_topk`.

    ``means`` is keyed ``"<metric>@<K>"`` (recall, ndcg, hit_rate, precision, coverage); ``per_user`` holds the
    per-user arrays (all but coverage) for the evaluated ``users`` only (rows with a non-empty truth), aligned
    across models evaluated on the same truth, ready for :func:`mp2v.evaluation.paired_comparison`.
    """

    means: dict[str, float]
    per_user: dict[str, PerUserValues] = field(repr=False)
    users: IndexArray = field(repr=False)
    n_users_skipped: int


def evaluate_topk(topk: IndexArray, truth: InteractionMatrix, ks: tuple[int, ...] = (10, 20, 50, 100)) -> MetricReport:
    """Recall, NDCG, hit rate, precision and coverage at each K in ``ks`` (membership is computed once)."""
    relevant = _canonical_truth(truth)
    n_items = relevant.shape[1]
    lists = _checked_topk(topk, n_items, n_rows=relevant.shape[0])
    if not ks or any(not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise EvaluationError(f"evaluate_topk: ks must be positive integers, got {ks!r}")
    if max(ks) > lists.shape[1]:
        raise EvaluationError(
            f"evaluate_topk: K={max(ks)} requested but the lists have {lists.shape[1]} columns; "
            f"rank with k >= {max(ks)}"
        )
    sizes = _truth_sizes(relevant)
    users = np.flatnonzero(sizes > 0).astype(np.int64)
    if users.size == 0:
        raise EvaluationError("evaluate_topk: every truth row is empty; there is nothing to evaluate")
    hits = _hits(lists, relevant)[users]
    sizes = sizes[users]
    means: dict[str, float] = {}
    per_user: dict[str, PerUserValues] = {}
    for k in sorted(set(int(k) for k in ks)):
        for name, metric in (("recall", _recall), ("ndcg", _ndcg), ("hit_rate", _hit_rate), ("precision", _precision)):
            values = metric(hits[:, :k], sizes)
            per_user[f"{name}@{k}"] = values
            means[f"{name}@{k}"] = float(values.mean())
        means[f"coverage@{k}"] = float(np.count_nonzero(_exposure(lists[:, :k], n_items)) / n_items)
    return MetricReport(means, per_user, users, int(relevant.shape[0] - users.size))


# --- per-user formulas on a precomputed hits matrix (NaN where |truth_u| = 0) ---


def _recall(hits: BoolMatrix, sizes: IndexArray) -> PerUserValues:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sizes > 0, np.count_nonzero(hits, axis=1) / sizes, np.nan)


def _ndcg(hits: BoolMatrix, sizes: IndexArray) -> PerUserValues:
    discounts = 1.0 / np.log2(np.arange(hits.shape[1], dtype=np.float64) + 2.0)
    ideal_prefix = np.concatenate(([0.0], np.cumsum(discounts)))
    ideal = ideal_prefix[np.minimum(sizes, hits.shape[1])]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sizes > 0, (hits @ discounts) / ideal, np.nan)


def _hit_rate(hits: BoolMatrix, sizes: IndexArray) -> PerUserValues:
    return np.where(sizes > 0, hits.any(axis=1).astype(np.float64), np.nan)


def _precision(hits: BoolMatrix, sizes: IndexArray) -> PerUserValues:
    return np.where(sizes > 0, np.count_nonzero(hits, axis=1) / max(hits.shape[1], 1), np.nan)


# --- input checks and shared pieces ---


def _hits(lists: IndexArray, relevant: InteractionMatrix) -> BoolMatrix:
    if relevant.nnz == 0:
        return np.zeros(lists.shape, dtype=bool)
    n_items = relevant.shape[1]
    # Row-major keys u * n_items + i; a canonical CSR lists them in ascending order already.
    truth_keys = np.repeat(np.arange(relevant.shape[0], dtype=np.int64), _truth_sizes(relevant)) * n_items
    truth_keys += relevant.indices
    valid = lists >= 0
    query = np.arange(lists.shape[0], dtype=np.int64)[:, None] * n_items + np.where(valid, lists, 0)
    positions = np.minimum(np.searchsorted(truth_keys, query), truth_keys.size - 1)
    return valid & (truth_keys[positions] == query)


def _prepared_hits(topk: IndexArray, truth: InteractionMatrix, k: int | None) -> tuple[BoolMatrix, InteractionMatrix]:
    relevant = _canonical_truth(truth)
    lists = _cut(_checked_topk(topk, relevant.shape[1], n_rows=relevant.shape[0]), k)
    return _hits(lists, relevant), relevant


def _canonical_truth(truth: InteractionMatrix) -> InteractionMatrix:
    """CSR copy with sorted indices, duplicates summed and explicit zeros removed."""
    if not sp.issparse(truth) or truth.ndim != 2:
        raise EvaluationError("truth must be a 2-D scipy sparse users x items matrix (e.g. scipy.sparse.csr_matrix)")
    relevant = sp.csr_matrix(truth, copy=True)
    relevant.sum_duplicates()
    relevant.eliminate_zeros()
    return relevant


def _truth_sizes(relevant: InteractionMatrix) -> IndexArray:
    return np.diff(relevant.indptr).astype(np.int64)


def _checked_topk(topk: IndexArray, n_items: int, n_rows: int | None = None) -> IndexArray:
    lists = np.asarray(topk)
    if lists.ndim != 2 or (lists.size and not np.issubdtype(lists.dtype, np.integer)):
        raise EvaluationError(f"topk must be a 2-D integer array (users x K), got shape {lists.shape}, {lists.dtype}")
    lists = lists.astype(np.int64, copy=False)
    if n_rows is not None and lists.shape[0] != n_rows:
        raise EvaluationError(f"topk has {lists.shape[0]} rows but truth has {n_rows}; align rows by user")
    if lists.size and (lists.min() < -1 or lists.max() >= n_items):
        raise EvaluationError(f"topk holds item ids outside [-1, {n_items}); rank over the same item index")
    ordered = np.sort(lists, axis=1)
    duplicated = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if duplicated.any():
        raise EvaluationError(f"topk row {int(np.flatnonzero(duplicated.any(axis=1))[0])} repeats an item")
    return lists


def _checked_n_items(n_items: int) -> int:
    if not isinstance(n_items, (int, np.integer)) or n_items < 1:
        raise EvaluationError(f"n_items must be a positive integer, got {n_items!r}")
    return int(n_items)


def _cut(lists: IndexArray, k: int | None) -> IndexArray:
    if k is None:
        return lists
    if not isinstance(k, (int, np.integer)) or k < 1 or k > lists.shape[1]:
        raise EvaluationError(f"k must be an integer in [1, {lists.shape[1]}] (the list length), got {k!r}")
    return lists[:, : int(k)]


def _exposure(lists: IndexArray, n_items: int) -> IndexArray:
    return np.bincount(lists[lists >= 0], minlength=n_items).astype(np.int64)


def _nonempty_exposure(topk: IndexArray, n_items: int, caller: str) -> FloatArray:
    counts = _exposure(_checked_topk(topk, _checked_n_items(n_items)), n_items)
    if counts.sum() == 0:
        raise EvaluationError(f"{caller}: the lists recommend no item at all (only -1 padding)")
    return counts.astype(np.float64)
