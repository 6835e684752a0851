"""Beyond-accuracy measures of top-K lists, on a reference space shared by every method."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from mp2v.evaluation.metrics import (
    coverage_at_k,
    gini_of_exposure,
    intra_list_diversity,
    novelty,
    popularity_from_interactions,
    unique_features_per_list,
)
from mp2v.types import FloatMatrix, IndexArray

PerUser = npt.NDArray[np.float64]


def reference_item_space(train: sp.csr_matrix, dimensions: int = 64, seed: int = 0) -> FloatMatrix:
    """Unit item vectors from a truncated SVD of the binary users x items training matrix.

    Two items are close when the same users interacted with them. Every method's lists are measured in this
    one space, so diversity compares lists rather than the geometry of each model's own embedding.
    """
    binary = (train != 0).astype(np.float64).tocsc()
    k = max(1, min(dimensions, min(binary.shape) - 1))
    start = np.random.default_rng(seed).standard_normal(min(binary.shape))
    _, singular, vt = svds(binary, k=k, v0=start)
    vectors = (vt.T * singular).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def beyond_accuracy(topk: IndexArray, train: sp.csr_matrix, reference: FloatMatrix,
                    item_features: sp.csr_matrix | None, ks: tuple[int, ...]) -> tuple[dict[str, float],
                                                                                     dict[str, PerUser]]:
    """Coverage, diversity (1 - mean pairwise cosine in ``reference``), novelty, unique features, Gini at each K."""
    popularity = popularity_from_interactions(train)
    n_items = train.shape[1]
    means: dict[str, float] = {}
    per_user: dict[str, PerUser] = {}
    for k in ks:
        lists = topk[:, :k]
        diversity = intra_list_diversity(lists, reference)
        novel = novelty(lists, popularity)
        per_user[f"diversity@{k}"], per_user[f"novelty@{k}"] = diversity, novel
        means[f"coverage@{k}"] = coverage_at_k(lists, n_items)
        means[f"diversity@{k}"] = float(np.nanmean(diversity))
        means[f"novelty@{k}"] = float(np.nanmean(novel))
        means[f"gini@{k}"] = gini_of_exposure(lists, n_items)
        if item_features is not None:
            unique = unique_features_per_list(lists, item_features).astype(np.float64)
            per_user[f"unique_features@{k}"] = unique
            means[f"unique_features@{k}"] = float(unique.mean())
    return means, per_user
