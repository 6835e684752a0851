"""Ratings semantics for generic interaction files: how repeated (user, item) rows merge into one value,
the scale that value is capped at, and the threshold at which a pair counts as a positive.

Order: merge repeated rows (``sum`` | ``mean`` | ``last`` | ``max``), cap at ``scale_max``, then keep the
pairs at or above ``positive_threshold``. ``last`` is the row with the latest timestamp where the file has
timestamps (ties and missing timestamps: the later line), else the later line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from mp2v.errors import ConfigError


class Aggregate(StrEnum):
    SUM = "sum"
    MEAN = "mean"
    LAST = "last"
    MAX = "max"


@dataclass(frozen=True)
class RatingRules:
    aggregate: Aggregate = Aggregate.SUM
    #: Pairs whose merged value is below this are not positives (not loaded); None: every row is a positive.
    positive_threshold: float | None = None
    #: The rating scale's top: merged values above it are cut to it (a sum of two 5-star rows stays 5).
    scale_max: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "aggregate", _aggregate(self.aggregate))
        if self.scale_max is not None and self.scale_max <= 0:
            raise ConfigError(f"--rating-max {self.scale_max} must be above 0 (the top of the rating scale)")
        if (self.scale_max is not None and self.positive_threshold is not None
                and self.positive_threshold > self.scale_max):
            raise ConfigError(f"--positive-threshold {self.positive_threshold} is above --rating-max "
                              f"{self.scale_max}: no pair could be a positive")

    def merged(self, column: str = "weight") -> str:
        """The merged value of a pair's rows, as the load summary and the graph model state it."""
        value = f"{self.aggregate}({column})"
        return value if self.scale_max is None else f"min({value}, {self.scale_max:g})"

    def options(self) -> dict[str, str]:
        """What the graph model records (all structural: they change which edges exist or their values)."""
        return {"aggregate": str(self.aggregate), "positive_threshold": str(self.positive_threshold),
                "rating_max": str(self.scale_max)}

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> RatingRules:
        """The rules :meth:`options` recorded (a graph loaded before they were recorded: the defaults)."""
        def number(key: str) -> float | None:
            value = options.get(key)
            return None if value in (None, "None") else float(str(value))

        return cls(aggregate=_aggregate(options.get("aggregate", Aggregate.SUM)),
                   positive_threshold=number("positive_threshold"), scale_max=number("rating_max"))


def _aggregate(value: object) -> Aggregate:
    try:
        return Aggregate(str(value))
    except ValueError:
        raise ConfigError(f"--aggregate {value!r}: choose sum, mean, last or max") from None


def merge_rows(rows: pd.DataFrame, rules: RatingRules) -> tuple[pd.DataFrame, int]:
    """One edge per (start, end) from rows (start, end, raw, ts) in file order: ``raw`` merged by the rules,
    ``count`` = rows, ``ts`` = latest; returns the positive edges and how many pairs fell below the threshold."""
    ordered = rows.assign(line=np.arange(len(rows)))
    if rules.aggregate is Aggregate.LAST:
        ordered = ordered.sort_values(["ts", "line"], kind="stable", na_position="first")
    reducer = {Aggregate.SUM: "sum", Aggregate.MEAN: "mean", Aggregate.LAST: "last", Aggregate.MAX: "max"}
    edges = ordered.groupby(["start", "end"], sort=True).agg(
        raw=("raw", reducer[rules.aggregate]), count=("raw", "size"), ts=("ts", "max")).reset_index()
    edges["count"] = edges["count"].astype(np.int64)
    if rules.scale_max is not None:
        edges["raw"] = edges["raw"].clip(upper=rules.scale_max)
    below = 0
    if rules.positive_threshold is not None:
        positive = edges["raw"].to_numpy() >= rules.positive_threshold
        below = int((~positive).sum())
        edges = edges[positive].reset_index(drop=True)
    return edges, below
