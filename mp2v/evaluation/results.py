"""What judging a method produces: its metrics (means and per user), its top-K lists and its costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.evaluation.stages import Stage
from mp2v.types import IndexArray


@dataclass
class MethodResult:
    name: str
    stage: Stage
    params: dict[str, Any]
    timings: dict[str, float]
    metrics: dict[str, float]
    per_user: dict[str, npt.NDArray[np.float64]] = field(repr=False)
    users: IndexArray = field(repr=False)
    topk: IndexArray = field(repr=False)
    run_id: str | None = None
    notes: list[str] = field(default_factory=list)
