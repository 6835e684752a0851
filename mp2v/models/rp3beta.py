r"""RP3beta: a popularity-penalised 3-step random walk user -> item -> user -> item.

Paudel et al., "Updatable, accurate, diverse, and scalable recommendations for interactive applications"
(TiiS 2017); implemented as in Dacrema et al. 2019 (``RP3betaRecommender.fit`` of
github.com/MaurizioFD/RecSys2019_DeepLearning_Evaluation). Order of operations, exactly as there:

1. :math:`P_{ui} = X / \text{row sums}` on the (transformed) weights :math:`X`;
   :math:`P_{iu} = \mathrm{bin}(X)^\top / \text{row sums}`, i.e. :math:`1/\deg(i)` for each of the item's users;
2. :math:`d_j = \deg(j)^{-\beta}` from the *binary* item degree (0 for items nobody has);
3. if :math:`\alpha \ne 1`: both matrices raised elementwise to :math:`\alpha` (after normalising);
4. for a block of item rows: :math:`W_{block} = (P_{iu}^\alpha)_{block} P_{ui}^\alpha \operatorname{diag}(d)`,
   then the diagonal :math:`W_{ii} = 0`;
5. keep the ``top_k`` largest entries of each row (zeros dropped);
6. if ``normalize_similarity``: :math:`W \leftarrow W / \text{row sums}` (L1).

Scores are :math:`s_u = \hat x_u W` with :math:`\hat x_u = x_u / \lVert x_u\rVert_1`. The reference scores
with the un-normalised row :math:`x_u`; dividing a user's row by a positive constant rescales all of that
user's scores by the same factor, so the ranking is identical.
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
    check_bool,
    check_choice,
    check_float,
    check_int,
    csr_from_parts,
    l1_normalize_rows,
    rows_per_block,
    top_k_per_row,
)
from mp2v.types import IndexArray, InteractionMatrix

RP3Weighting = Literal["binary", "raw", "log1p"]


@dataclass(frozen=True)
class RP3betaParams:
    """Defaults are the reference implementation's (``implicit=True`` there is ``weighting="binary"``)."""

    alpha: float = 1.0
    beta: float = 0.6
    top_k: int = 100
    normalize_similarity: bool = True
    weighting: RP3Weighting = "binary"

    def __post_init__(self) -> None:
        check_float("RP3betaParams", "alpha", self.alpha, 0.0, strict=True)
        check_float("RP3betaParams", "beta", self.beta, 0.0)
        check_int("RP3betaParams", "top_k", self.top_k, 1)
        check_bool("RP3betaParams", "normalize_similarity", self.normalize_similarity)
        check_choice("RP3betaParams", "weighting", self.weighting, ("binary", "raw", "log1p"))


class RP3beta(BaseRecommender):
    """RP3beta item-item model; ``item_weights`` is the sparse items x items :math:`W`."""

    name = "rp3beta"
    params_class: ClassVar[type[RP3betaParams]] = RP3betaParams

    def __init__(self, params: RP3betaParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else RP3betaParams()
        self.item_weights: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._user_rows: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        weighted = InputTransform(self.params.weighting).apply(train)
        user_to_item = l1_normalize_rows(weighted)  # P_ui
        self._user_rows = user_to_item
        binary_item_user = InputTransform("binary").apply(weighted.T.tocsr())
        item_degree = np.asarray(binary_item_user.sum(axis=1), dtype=np.float64).ravel()
        popularity_penalty = np.zeros_like(item_degree)
        has_users = item_degree > 0
        popularity_penalty[has_users] = np.power(item_degree[has_users], -self.params.beta)
        item_to_user = l1_normalize_rows(binary_item_user)  # P_iu
        if self.params.alpha != 1.0:
            user_to_item = user_to_item.power(self.params.alpha)
            item_to_user = item_to_user.power(self.params.alpha)
        n_items = weighted.shape[1]

        def blocks() -> Iterator[tuple[IndexArray, IndexArray, npt.NDArray[np.float32]]]:
            step = rows_per_block(n_items)
            for start in range(0, n_items, step):
                stop = min(start + step, n_items)
                block = (item_to_user[start:stop] @ user_to_item).toarray().astype(np.float64)
                block *= popularity_penalty[None, :]
                block[np.arange(stop - start), np.arange(start, stop)] = 0.0
                rows, cols, values = top_k_per_row(block, self.params.top_k)
                yield rows + start, cols, values

        weights = csr_from_parts(blocks(), (n_items, n_items))
        self.item_weights = l1_normalize_rows(weights) if self.params.normalize_similarity else weights

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.asarray((self._user_rows[users] @ self.item_weights).toarray(), dtype=np.float32)
