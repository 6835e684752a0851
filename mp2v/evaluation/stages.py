"""What a protocol hands to the methods: per stage, the rows to learn from, the truth, and what to skip.

Two stages: ``validation`` (models learn from the tuning rows and are judged on the validation rows; every
choice is made here) and ``test`` (models learn from train + validation and are judged once).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import EvaluationError


class Stage(StrEnum):
    VALIDATION = "validation"
    TEST = "test"


HOLDOUT_SPLITS = ("test", "validation")


@dataclass(frozen=True)
class StageData:
    """Everything needed to fit and judge a model at one stage."""

    stage: Stage
    train: sp.csr_matrix
    truth: sp.csr_matrix
    exclude: sp.csr_matrix
    #: Values of the split's ``holdout_property`` whose edges walks must skip at this stage.
    walk_exclusions: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationSplit:
    protocol: str
    dataset: str
    seed: int
    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    tuning_train: sp.csr_matrix
    final_train: sp.csr_matrix
    validation: sp.csr_matrix
    test: sp.csr_matrix
    tuning_walk_exclusions: tuple[str, ...]
    final_walk_exclusions: tuple[str, ...]
    #: Items that may be recommended (None: all); KuaiRec ranks the small matrix's videos.
    candidate_items: npt.NDArray[np.bool_] | None = None
    #: Items x side-information features (tags, categories), for "unique features per list".
    item_features: sp.csr_matrix | None = None
    #: The edge property this split marks its held-out interactions with (``holdout_<key>``; walk exclusions
    #: name values of this property).
    holdout_property: str = "holdout"

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.user_ids.size), int(self.item_ids.size))

    def stage(self, stage: Stage) -> StageData:
        stage = _stage(stage)
        if stage == Stage.VALIDATION:
            return StageData(stage, self.tuning_train, self.validation, _union(self.tuning_train, self.test),
                             self.tuning_walk_exclusions)
        return StageData(stage, self.final_train, self.test, _union(self.final_train, self.validation),
                         self.final_walk_exclusions)


def _union(a: sp.csr_matrix, b: sp.csr_matrix) -> sp.csr_matrix:
    return ((a != 0).astype(np.int8) + (b != 0).astype(np.int8)).tocsr()




def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise EvaluationError(f"stage must be validation or test, not {value!r}") from None
