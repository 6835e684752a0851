r"""Neighbourhood baselines with cosine similarity and top-k pruning.

Both use the shrunk cosine between rows :math:`a, b` of a (transformed) matrix,

.. math:: \mathrm{sim}(a, b) = \frac{a \cdot b}{\lVert a\rVert \, \lVert b\rVert + h}

(:math:`h` = ``shrink``, 0 gives the plain cosine), with the self-similarity set to 0. The similarity matrix
is built ``rows_per_block`` rows at a time: one sparse product gives a dense block of rows, each row keeps
its ``k`` largest entries, and only those go into the sparse result, so the full dense matrix never exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.models.base import (
    BaseRecommender,
    InputTransform,
    check_choice,
    check_float,
    check_int,
    csr_from_parts,
    rows_per_block,
    top_k_per_row,
)
from mp2v.types import IndexArray, InteractionMatrix

NeighbourWeighting = Literal["binary", "raw", "log1p"]
_WEIGHTINGS = ("binary", "raw", "log1p")


def cosine_top_k(matrix: sp.csr_matrix, k: int, shrink: float) -> sp.csr_matrix:
    """Row ``r`` of the result holds the ``k`` rows most similar to row ``r`` of ``matrix`` (self excluded)."""
    n_rows = matrix.shape[0]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    transposed = matrix.T.tocsr()

    def blocks() -> Iterator[tuple[IndexArray, IndexArray, npt.NDArray[np.float32]]]:
        step = rows_per_block(n_rows)
        for start in range(0, n_rows, step):
            stop = min(start + step, n_rows)
            dots = (matrix[start:stop] @ transposed).toarray().astype(np.float64)
            denominator = norms[start:stop, None] * norms[None, :] + shrink
            similarity = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)
            similarity[np.arange(stop - start), np.arange(start, stop)] = 0.0
            rows, cols, values = top_k_per_row(similarity, k)
            yield rows + start, cols, values

    return csr_from_parts(blocks(), (n_rows, n_rows))


@dataclass(frozen=True)
class KNNParams:
    """``k`` neighbours kept per row, cosine ``shrink`` term, and the input weighting."""

    k: int = 100
    shrink: float = 0.0
    weighting: NeighbourWeighting = "binary"

    def __post_init__(self) -> None:
        check_int("KNNParams", "k", self.k, 1)
        check_float("KNNParams", "shrink", self.shrink, 0.0)
        check_choice("KNNParams", "weighting", self.weighting, _WEIGHTINGS)


class UserKNN(BaseRecommender):
    r"""User-based kNN: :math:`s_{ui} = \sum_{v \in N_k(u)} \mathrm{sim}(u, v)\, x_{vi}`, :math:`u \notin N_k(u)`.

    :math:`N_k(u)` are the ``k`` users most similar to ``u``; :math:`x` is the weighted input. Fit builds
    the sparse users x users matrix :math:`S` (top-k per row); scoring is the sparse product :math:`S_U X`.
    """

    name = "userknn"
    params_class: ClassVar[type[KNNParams]] = KNNParams

    def __init__(self, params: KNNParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else KNNParams()
        self.user_similarity: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._weighted: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        self._weighted = InputTransform(self.params.weighting).apply(train)
        self.user_similarity = cosine_top_k(self._weighted, self.params.k, self.params.shrink)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.asarray((self.user_similarity[users] @ self._weighted).toarray(), dtype=np.float32)


class ItemKNN(BaseRecommender):
    r"""Item-based kNN: :math:`s_{uj} = \sum_{i \in N_k(j)} x_{ui}\, \mathrm{sim}(i, j)`, i.e. :math:`s_u = x_u W`.

    :math:`N_k(j)` are the ``k`` items most similar to the *target* item ``j`` (cosine over item columns),
    so :math:`W_{ij} = \mathrm{sim}(i, j)` if :math:`i \in N_k(j)` else 0 (top-k per column of :math:`W`,
    the usual convention, e.g. Dacrema et al. 2019).
    """

    name = "itemknn"
    params_class: ClassVar[type[KNNParams]] = KNNParams

    def __init__(self, params: KNNParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else KNNParams()
        self.item_weights: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._weighted: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        self._weighted = InputTransform(self.params.weighting).apply(train)
        neighbours = cosine_top_k(self._weighted.T.tocsr(), self.params.k, self.params.shrink)
        self.item_weights = neighbours.T.tocsr()

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.asarray((self._weighted[users] @ self.item_weights).toarray(), dtype=np.float32)
