"""Most-popular baseline: every user gets the same item ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt

from mp2v.models.base import BaseRecommender, check_choice
from mp2v.types import IndexArray, InteractionMatrix

PopularityCount = Literal["users", "weight"]


@dataclass(frozen=True)
class PopularityParams:
    r"""``count="users"``: :math:`s_i = |\{u : x_{ui} > 0\}|`; ``count="weight"``: :math:`s_i = \sum_u x_{ui}`."""

    count: PopularityCount = "users"

    def __post_init__(self) -> None:
        check_choice("PopularityParams", "count", self.count, ("users", "weight"))


class Popularity(BaseRecommender):
    """Scores every item by its training popularity, identically for all users."""

    name = "popularity"
    params_class: ClassVar[type[PopularityParams]] = PopularityParams

    def __init__(self, params: PopularityParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else PopularityParams()
        self.item_popularity: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        if self.params.count == "users":
            counts = np.diff(train.tocsc().indptr)
        else:
            counts = np.asarray(train.sum(axis=0, dtype=np.float64)).ravel()
        self.item_popularity = counts.astype(np.float32)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.tile(self.item_popularity, (users.size, 1))
