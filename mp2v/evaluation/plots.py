"""PNG plots of an evaluation (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from mp2v.common.files import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mp2v.embeddings.store import Embeddings
    from mp2v.evaluation.results import MethodResult


def metrics_by_k(results: list[MethodResult], path: Path) -> Path:
    """Recall@K and NDCG@K curves of every method."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for result in results:
        ks = sorted(int(key.split("@")[1]) for key in result.metrics if key.startswith("recall@"))
        for axis, metric in zip(axes, ("recall", "ndcg"), strict=True):
            axis.plot(ks, [result.metrics[f"{metric}@{k}"] for k in ks], marker="o", label=result.name)
    for axis, title in zip(axes, ("Recall@K", "NDCG@K"), strict=True):
        axis.set_title(title)
        axis.set_xlabel("K")
        axis.set_xscale("log")
        axis.set_xticks([10, 20, 50, 100], labels=["10", "20", "50", "100"])
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    _save(figure, path)
    return path


def diversity_histogram(results: list[MethodResult], baseline: str, path: Path, k: int = 20) -> Path:
    """Per-list diversity of each MP2V variant against the production baseline."""
    figure, axis = plt.subplots(figsize=(7, 4))
    bins = np.linspace(0, 1, 41).tolist()
    for result in results:
        values = result.per_user.get(f"diversity@{k}")
        if values is None:
            continue
        values = values[np.isfinite(values)]
        style = {"histtype": "stepfilled", "alpha": 0.35} if result.name == baseline else {"histtype": "step"}
        axis.hist(values, bins=bins, label=f"{result.name} (mean {values.mean():.3f})", linewidth=1.5, **style)
    axis.set_xlabel(f"per-list diversity@{k} (1 - mean pairwise cosine, co-listening space)")
    axis.set_ylabel("users")
    axis.legend(fontsize=8)
    figure.tight_layout()
    _save(figure, path)
    return path


def embedding_pca(embeddings: Embeddings, path: Path, max_points: int = 4000, seed: int = 0) -> Path:
    """Users and items projected on the first two principal components of their joint input vectors."""
    rng = np.random.default_rng(seed)
    users = embeddings.user_input[rng.permutation(embeddings.user_input.shape[0])[:max_points // 2]]
    items = embeddings.item_input[rng.permutation(embeddings.item_input.shape[0])[:max_points // 2]]
    joint = np.vstack([users, items]).astype(np.float64)
    centred = joint - joint.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T
    figure, axis = plt.subplots(figsize=(6, 5))
    item_points, user_points = projected[len(users):], projected[:len(users)]
    axis.scatter(item_points[:, 0], item_points[:, 1], s=4, alpha=0.4, label="items")
    axis.scatter(user_points[:, 0], user_points[:, 1], s=4, alpha=0.6, label="users")
    axis.set_title("2-D PCA of user and item embeddings")
    axis.legend(markerscale=4)
    figure.tight_layout()
    _save(figure, path)
    return path


def _save(figure: Figure, path: Path) -> None:
    """Save and close ``figure``, atomically (the dashboard may be reading the previous plot)."""
    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=110, format=path.suffix.lstrip(".") or "png")
    finally:
        plt.close(figure)
