r"""EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019).

.. math::
    \min_B \lVert X - XB\rVert_F^2 + \lambda \lVert B\rVert_F^2 \ \text{s.t.}\ \operatorname{diag}(B) = 0
    \quad\Rightarrow\quad B = I - P \operatorname{diag}(1/\operatorname{diag} P),\ P = (X^\top X + \lambda I)^{-1}

Two exact ways to get there (``n`` users, ``m`` items, ``z`` nonzeros, ``b`` users per scoring block):

* **item path** (Steck's): invert the ``m x m`` Gram matrix by Cholesky and store :math:`B` dense.
  Fit :math:`O(m^3)` time, :math:`O(m^2)` memory (float64 :math:`P` inverted in place + float32
  :math:`B`: a peak of :math:`12 m^2` bytes, 3.5 GB at 17k items);
  scoring :math:`X_U B` is :math:`O(z_U m)` (:math:`z_U` = nonzeros of the users' rows).
* **user path** (Woodbury): :math:`P = \tfrac1\lambda (I - X^\top K^{-1} X)` with the ``n x n``
  :math:`K = \lambda I + X X^\top`, inverted by Cholesky. Only :math:`K^{-1}` and
  :math:`\operatorname{diag} P_{jj} = \tfrac1\lambda (1 - x_j^\top K^{-1} x_j)` (:math:`x_j` = item column)
  are stored: fit :math:`O(n^3 + n z)` time, :math:`O(n^2 + m + z)` memory. :math:`B` is never formed; a block
  of users is scored as
  :math:`X_U B = X_U - (X_U P)\operatorname{diag}(1/\operatorname{diag} P)` with
  :math:`X_U P = \tfrac1\lambda\,(X_U - (X_U X^\top) K^{-1} X)`, costing :math:`O(b n^2 + b z + b m)`
  time and :math:`O(b (n + m))` memory.

``path="auto"`` takes the user path when ``n_users < n_items``. Fitting runs in float64 (the item path then
stores :math:`B` as float32); scores are float32. On Last.fm (1,892 x 17,632) the user path inverts a
1,892^2 matrix instead of a 17,632^2 one and never allocates the 1.2 GB :math:`B`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.linalg import lapack

from mp2v.errors import EvaluationError
from mp2v.models.base import (
    BaseRecommender,
    InputTransform,
    check_choice,
    check_float,
    rows_per_block,
)
from mp2v.types import FloatMatrix, IndexArray, InteractionMatrix

EASEPath = Literal["auto", "item", "user"]
EASEWeighting = Literal["binary", "raw", "log1p"]


@dataclass(frozen=True)
class EASEParams:
    """``l2`` is Steck's :math:`\\lambda`; ``path`` picks the solver (``auto``: user path iff n_users < n_items)."""

    l2: float = 200.0
    weighting: EASEWeighting = "binary"
    path: EASEPath = "auto"

    def __post_init__(self) -> None:
        check_float("EASEParams", "l2", self.l2, 0.0, strict=True)
        check_choice("EASEParams", "weighting", self.weighting, ("binary", "raw", "log1p"))
        check_choice("EASEParams", "path", self.path, ("auto", "item", "user"))


def spd_inverse(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Inverse of a symmetric positive definite matrix by Cholesky (LAPACK potrf + potri), overwriting it.

    Works in place on ``matrix`` whether it is stored in C or Fortran order (a symmetric matrix equals its
    transpose, so a C-ordered one is passed as its Fortran-ordered transpose view): no n x n copy is made.
    Returns a C-contiguous array.
    """
    fortran_view = matrix if matrix.flags.f_contiguous else np.asfortranarray(matrix.T)
    factor, info = lapack.dpotrf(fortran_view, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise EvaluationError(
            f"EASE: the regularised Gram matrix is not positive definite (LAPACK potrf info={info}); "
            "increase l2 or check the training matrix for NaN/huge weights"
        )
    inverse, info = lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise EvaluationError(f"EASE: Cholesky inverse failed (LAPACK potri info={info}); increase l2")
    # potri fills the upper triangle only: mirror it block by block (no second n x n temporary).
    size = inverse.shape[0]
    step = rows_per_block(size)
    for start in range(0, size, step):
        stop = min(start + step, size)
        inverse[start:stop, :start] = inverse[:start, start:stop].T
        diagonal_block = inverse[start:stop, start:stop]
        inverse[start:stop, start:stop] = np.triu(diagonal_block) + np.triu(diagonal_block, 1).T
    return np.ascontiguousarray(inverse.T)  # symmetric, so the transpose view is the C-ordered inverse


class EASE(BaseRecommender):
    """EASE with an exact item-side or user-side (Woodbury) solver; see the module docstring."""

    name = "ease"
    params_class: ClassVar[type[EASEParams]] = EASEParams

    def __init__(self, params: EASEParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else EASEParams()
        self.solver_path: Literal["item", "user"] = "item"
        self._x: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float64)
        self._item_weights: FloatMatrix | None = None  # B, item path
        self._user_gram_inverse: npt.NDArray[np.float64] | None = None  # K^{-1}, user path
        self._p_diagonal: npt.NDArray[np.float64] = np.zeros(0)  # diag(P), user path

    def _fit(self, train: InteractionMatrix) -> None:
        x = sp.csr_matrix(InputTransform(self.params.weighting).apply(train), dtype=np.float64)
        self._x = x
        n_users, n_items = x.shape
        if self.params.path == "auto":
            self.solver_path = "user" if n_users < n_items else "item"
        else:
            self.solver_path = self.params.path
        self._item_weights = self._user_gram_inverse = None
        if self.solver_path == "item":
            self._fit_item_path(x)
        else:
            self._fit_user_path(x)

    def _fit_item_path(self, x: sp.csr_matrix) -> None:
        gram = (x.T @ x).toarray()
        gram[np.diag_indices_from(gram)] += self.params.l2
        p = spd_inverse(gram)
        p_diagonal = np.diag(p).copy()
        p /= -p_diagonal[None, :]
        p[np.diag_indices_from(p)] = 0.0
        self._item_weights = p.astype(np.float32)

    def _fit_user_path(self, x: sp.csr_matrix) -> None:
        gram = (x @ x.T).toarray()
        gram[np.diag_indices_from(gram)] += self.params.l2
        k_inverse = spd_inverse(gram)
        item_user = x.T.tocsr()
        quadratic = np.empty(x.shape[1])  # x_j^T K^{-1} x_j per item j
        step = rows_per_block(x.shape[0])
        for start in range(0, x.shape[1], step):
            rows = item_user[start : start + step]
            projected = np.asarray(rows @ k_inverse)
            quadratic[start : start + step] = np.asarray(rows.multiply(projected).sum(axis=1)).ravel()
        self._user_gram_inverse = k_inverse
        self._p_diagonal = (1.0 - quadratic) / self.params.l2

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        if self._item_weights is not None:
            return np.asarray(self._x[users].astype(np.float32) @ self._item_weights, dtype=np.float32)
        scores = np.empty((users.size, self._x.shape[1]), dtype=np.float32)
        step = rows_per_block(self._x.shape[1] + self._x.shape[0])
        for start in range(0, users.size, step):
            block = users[start : start + step]
            scores[start : start + block.size] = self._score_user_path(block)
        return scores

    def _score_user_path(self, users: IndexArray) -> npt.NDArray[np.float64]:
        """:math:`X_U B` through the Woodbury form of :math:`P`; never forms an items x items matrix."""
        x_users = self._x[users]
        coupling = (x_users @ self._x.T).toarray() @ self._k_inverse()  # (X_U X^T) K^{-1}
        dense_users = x_users.toarray()
        users_p = (dense_users - np.asarray(self._x.T @ coupling.T).T) / self.params.l2  # X_U P
        return dense_users - users_p / self._p_diagonal[None, :]

    def _k_inverse(self) -> npt.NDArray[np.float64]:
        if self._user_gram_inverse is None:
            raise EvaluationError("EASE: the user-path solver is not fitted; call fit(train) first")
        return self._user_gram_inverse

    def weight_matrix(self) -> FloatMatrix:
        """:math:`B` as a dense items x items float32 matrix (materialised on the user path; small data only)."""
        _ = self.train_matrix  # raises before fit
        if self._item_weights is not None:
            return self._item_weights
        x = self._x
        p = -np.asarray(x.T @ np.asarray(x.T @ self._k_inverse()).T)
        p[np.diag_indices_from(p)] += 1.0
        p /= self.params.l2
        weights = -p / self._p_diagonal[None, :]
        weights[np.diag_indices_from(weights)] = 0.0
        return weights.astype(np.float32)
