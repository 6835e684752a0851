"""The interface every baseline implements, plus the helpers they share.

Contract of :meth:`Recommender.score` (what the evaluation code relies on):

* returns a dense ``(len(users), n_items)`` ``float32`` array, higher = better, rows in the order of ``users``;
* items with no interaction in the training matrix ("cold" items) score ``-inf`` in every model, so the
  ranking code never recommends them and no model gets an accidental edge from how it happens to score them;
* training items are *not* masked: excluding a user's own training items is the evaluation's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import ConfigError, EvaluationError
from mp2v.types import IndexArray, InteractionMatrix

#: Score given to items that never occur in the training matrix.
COLD_ITEM_SCORE = np.float32(-np.inf)
#: Dense scratch blocks (similarity rows, score rows) are sized to hold about this many numbers.
BLOCK_ELEMENTS = 1 << 22

TransformKind = Literal["binary", "raw", "log1p", "confidence"]
TRANSFORM_KINDS: tuple[str, ...] = ("binary", "raw", "log1p", "confidence")


@runtime_checkable
class Recommender(Protocol):
    """A model fitted on a users x items matrix that scores every item for a batch of users."""

    name: str

    def fit(self, train: InteractionMatrix) -> Recommender: ...

    def score(self, users: IndexArray) -> npt.NDArray[np.float32]: ...


# ----------------------------------------------------------------------------------------- validation
def check_int(owner: str, field: str, value: object, minimum: int) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{owner}: {field}={value!r} is invalid; set it to an integer >= {minimum}")


def check_float(owner: str, field: str, value: object, minimum: float, *, strict: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite number > ``minimum`` (strict) or >= it."""
    ok = False
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        ok = bool(np.isfinite(number)) and (number > minimum if strict else number >= minimum)
    if not ok:
        bound = f"> {minimum}" if strict else f">= {minimum}"
        raise ConfigError(f"{owner}: {field}={value!r} is invalid; set it to a finite number {bound}")


def check_bool(owner: str, field: str, value: object) -> None:
    """Raise :class:`ConfigError` unless ``value`` is ``True`` or ``False``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{owner}: {field}={value!r} is invalid; set it to true or false")


def check_choice(owner: str, field: str, value: object, choices: Sequence[str]) -> None:
    """Raise :class:`ConfigError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"{owner}: {field}={value!r} is invalid; choose one of {', '.join(choices)}")


def check_interactions(train: object) -> InteractionMatrix:
    """A canonical float32 CSR copy of ``train`` (summed duplicates, no explicit zeros, sorted indices)."""
    if not sp.issparse(train):
        raise EvaluationError(
            f"training interactions must be a scipy.sparse users x items matrix, got {type(train).__name__}; "
            "build it with scipy.sparse.csr_matrix((weights, (user_rows, item_cols)), shape=(n_users, n_items))"
        )
    matrix = sp.csr_matrix(train, dtype=np.float32, copy=True)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise EvaluationError(f"training interactions have shape {matrix.shape}; need at least one user and item")
    matrix.sum_duplicates()
    if not np.all(np.isfinite(matrix.data)) or np.any(matrix.data < 0):
        raise EvaluationError(
            "training interactions contain negative, NaN or infinite weights; "
            "weights must be finite and >= 0 (e.g. play counts, or 1.0 for a binary interaction)"
        )
    matrix.eliminate_zeros()
    if matrix.nnz == 0:
        raise EvaluationError("training interactions are empty; the split left no training pairs")
    matrix.sort_indices()
    return matrix


def check_users(users: object, n_users: int) -> IndexArray:
    """``users`` as a 1-D int64 array of valid row indices, or :class:`EvaluationError`."""
    array = np.asarray(users)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise EvaluationError(
            f"users must be a 1-D integer array of user row indices, got shape {array.shape} dtype {array.dtype}"
        )
    index = array.astype(np.int64, copy=False)
    if index.size and (index.min() < 0 or index.max() >= n_users):
        raise EvaluationError(
            f"user indices must lie in [0, {n_users}) (the training matrix rows), "
            f"got values in [{index.min()}, {index.max()}]"
        )
    return index


# ----------------------------------------------------------------------------------------- transforms
@dataclass(frozen=True)
class InputTransform:
    r"""Elementwise map of the stored weights :math:`x > 0` (zeros stay zero).

    * ``binary``: :math:`1`; ``raw``: :math:`x`; ``log1p``: :math:`\log(1 + x)`;
    * ``confidence`` (Hu, Koren & Volinsky 2008, log variant): :math:`c = 1 + \alpha \log(1 + x)`.
    """

    kind: TransformKind = "binary"
    alpha: float = 1.0

    def __post_init__(self) -> None:
        check_choice("InputTransform", "kind", self.kind, TRANSFORM_KINDS)
        check_float("InputTransform", "alpha", self.alpha, 0.0, strict=True)

    def values(self, weights: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """The transform of an array of positive weights."""
        weights = np.asarray(weights, dtype=np.float32)
        if self.kind == "binary":
            return np.ones_like(weights)
        if self.kind == "raw":
            return weights.copy()
        if self.kind == "log1p":
            return np.log1p(weights)
        return (1.0 + self.alpha * np.log1p(weights)).astype(np.float32)

    def apply(self, matrix: InteractionMatrix) -> InteractionMatrix:
        """A float32 CSR copy of ``matrix`` with the transform applied to its stored entries."""
        result = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
        result.data = self.values(result.data)
        return result


# ----------------------------------------------------------------------------------------- sparse helpers
def l1_normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    r"""Rows divided by their sum, :math:`P_{ij} = M_{ij} / \sum_k M_{ik}`; all-zero rows stay zero."""
    sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(inverse.astype(np.float32)) @ matrix, dtype=np.float32)


def rows_per_block(n_columns: int, block_elements: int = BLOCK_ELEMENTS) -> int:
    """How many dense rows of ``n_columns`` fit in one scratch block."""
    return max(1, block_elements // max(1, n_columns))


def top_k_per_row(block: npt.NDArray[np.floating], k: int) -> tuple[IndexArray, IndexArray, npt.NDArray[np.float32]]:
    """The ``k`` largest entries of each row of a dense block, zeros dropped, as COO (rows, cols, values).

    ``argpartition`` per row, O(n_columns); which of several tied entries at the k-th place survives is
    unspecified (but deterministic for the same input).
    """
    n_rows, n_cols = block.shape
    if k < n_cols:
        cols = np.argpartition(-block, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(n_cols), block.shape)
    values = np.take_along_axis(block, cols, axis=1)
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)
    keep = values != 0
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64), values[keep].astype(np.float32)


def csr_from_parts(
    parts: Iterable[tuple[IndexArray, IndexArray, npt.NDArray[np.float32]]], shape: tuple[int, int]
) -> sp.csr_matrix:
    """Assemble COO pieces (global row indices) into one float32 CSR matrix."""
    pieces = list(parts)
    if not pieces:
        return sp.csr_matrix(shape, dtype=np.float32)
    rows, cols, values = (np.concatenate(column) for column in zip(*pieces, strict=True))
    return sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)


# ----------------------------------------------------------------------------------------- base class
class BaseRecommender(ABC):
    """Template for the baselines: validates inputs once, masks cold items, guarantees float32 output.

    Subclasses implement :meth:`_fit` (on the validated CSR) and :meth:`_score` (on validated user rows).
    """

    name: str = "base"
    #: The hyperparameter dataclass the constructor takes (``Model(params_class(...))``).
    params_class: ClassVar[type[Any]] = object

    def __init__(self) -> None:
        self._train: InteractionMatrix | None = None
        self.item_is_trained: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)

    @property
    def train_matrix(self) -> InteractionMatrix:
        """The validated training matrix (raw weights); :class:`EvaluationError` before :meth:`fit`."""
        if self._train is None:
            raise EvaluationError(f"{self.name}: call fit(train) before scoring")
        return self._train

    @property
    def n_users(self) -> int:
        return int(self.train_matrix.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.train_matrix.shape[1])

    def fit(self, train: InteractionMatrix) -> Self:
        """Fit on a users x items CSR of non-negative weights; returns ``self``."""
        matrix = check_interactions(train)
        self._train = None  # a failed (re)fit leaves the model unfitted, never half-fitted
        self.item_is_trained = np.bincount(matrix.indices, minlength=matrix.shape[1]) > 0
        self._fit(matrix)
        self._train = matrix
        return self

    def score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        """``(len(users), n_items)`` float32 scores, higher = better; cold items get ``-inf``."""
        rows = check_users(users, self.n_users)
        if rows.size == 0:
            return np.zeros((0, self.n_items), dtype=np.float32)
        scores = np.asarray(self._score(rows), dtype=np.float32)
        scores[:, ~self.item_is_trained] = COLD_ITEM_SCORE
        return scores

    @abstractmethod
    def _fit(self, train: InteractionMatrix) -> None: ...

    @abstractmethod
    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]: ...

    def __repr__(self) -> str:
        params: Any = getattr(self, "params", None)
        return f"{type(self).__name__}({params!r})"
