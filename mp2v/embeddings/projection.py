"""Looking at an embedding space: collapse check, PCA with explained variance, UMAP, nearest neighbours.

Pure numpy (UMAP through umap-learn, imported only when asked for), so the dashboard's projector view only
draws what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from mp2v.errors import ConfigError
from mp2v.serving.scoring import normalised
from mp2v.types import FloatMatrix, IndexArray

#: Mean pairwise cosine above which a space is called collapsed: the vectors point almost the same way, so
#: cosine scores and neighbours differ only in the third decimal.
COLLAPSE_COSINE = 0.8


class Method(StrEnum):
    PCA = "PCA"
    UMAP = "UMAP"


def mean_pairwise_cosine(vectors: FloatMatrix, sample: int = 2000, seed: int = 0) -> float:
    """Mean cosine over distinct pairs of (a sample of) the rows; 0 for fewer than two rows."""
    rows = np.random.default_rng(seed).permutation(vectors.shape[0])[:sample]
    unit = normalised(np.asarray(vectors[rows], dtype=np.float64)).astype(np.float64)
    n = unit.shape[0]
    if n < 2:
        return 0.0
    total = unit.sum(axis=0)
    # sum over all ordered pairs incl. i == j is |sum|^2; remove the n self-pairs (unit norms, or 0 rows).
    self_pairs = float(np.count_nonzero(np.linalg.norm(unit, axis=1) > 0))
    return float((total @ total - self_pairs) / (n * (n - 1)))


def is_collapsed(vectors: FloatMatrix) -> bool:
    return mean_pairwise_cosine(vectors) > COLLAPSE_COSINE


@dataclass(frozen=True)
class Projection:
    """2-D coordinates of the rows, and for PCA the share of variance each of the first components explains."""

    coordinates: npt.NDArray[np.float64]
    explained: npt.NDArray[np.float64]
    method: Method


def pca(vectors: FloatMatrix, components: int = 10) -> Projection:
    """Centred PCA by SVD; ``explained`` holds the variance ratio of the first ``components`` components."""
    centred = np.asarray(vectors, dtype=np.float64)
    centred = centred - centred.mean(axis=0)
    _, singular, basis = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    ratio = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
    return Projection(centred @ basis[:2].T, ratio[:components], Method.PCA)


def umap(vectors: FloatMatrix, neighbours: int = 15, seed: int = 0) -> Projection:
    """UMAP on cosine distance (umap-learn; seeded, so the same run draws the same picture)."""
    try:
        from umap import UMAP
    except ImportError:
        raise ConfigError("UMAP needs the umap-learn package: pip install umap-learn (or use PCA)") from None
    reducer = UMAP(n_neighbors=neighbours, n_components=2, metric="cosine", random_state=seed, n_jobs=1)
    coordinates = np.asarray(reducer.fit_transform(np.asarray(vectors, dtype=np.float32)), dtype=np.float64)
    return Projection(coordinates, np.empty(0), Method.UMAP)


def project(vectors: FloatMatrix, method: Method | str) -> Projection:
    try:
        chosen = Method(method)
    except ValueError:
        raise ConfigError(f"projection must be one of {', '.join(Method)}, not {method!r}") from None
    return pca(vectors) if chosen is Method.PCA else umap(vectors)


def nearest(vectors: FloatMatrix, row: int, k: int = 10) -> tuple[IndexArray, npt.NDArray[np.float64]]:
    """The ``k`` rows closest to ``row`` by cosine (itself excluded): row indices and similarities."""
    unit = normalised(np.asarray(vectors, dtype=np.float32))
    similarity = (unit @ unit[row]).astype(np.float64)
    similarity[row] = -np.inf
    best = np.argsort(-similarity, kind="stable")[:k]
    return best.astype(np.int64), similarity[best]
