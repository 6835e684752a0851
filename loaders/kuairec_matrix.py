"""KuaiRec interaction matrices (``big_matrix.csv`` / ``small_matrix.csv``), read without Neo4j.

:func:`read_kuairec_matrix` is pure (files in, frames out): the loader builds WATCHED edges from it, and
the evaluation protocol reads ``small_matrix.csv`` with it later. Columns: user_id, video_id,
play_duration, video_duration, time, date, timestamp, watch_ratio.

Aggregation per (user_id, video_id) pair, since big_matrix repeats a pair for every re-watch:

* ``views`` = rows of the pair; ``watch_ratio`` = max over views (the raw value of the best view);
  ``watch_ratio_mean`` = mean; ``play_duration`` = sum (ms); ``ts`` = last timestamp (None if none);
* ``positive`` = ``watch_ratio >= threshold`` on that max (MP2V-4-Rec: threshold 2.0);
* an exact duplicate row (same user, video AND timestamp) counts once and is reported as a duplicate;
  rows without a timestamp (small_matrix has some: valid, pandas reads NaN) are never duplicates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from loaders.checks import RowChecker
from loaders.reading import TableSpec, read_table
from loaders.rejects import FileCheck
from mp2v.errors import ConfigError

MATRIX = TableSpec(
    required=("user_id", "video_id", "play_duration", "timestamp", "watch_ratio"),
    optional=("video_duration", "time", "date"),
    integers=("user_id", "video_id"), floats=("play_duration", "timestamp", "watch_ratio"),
    loose=("video_duration", "time", "date"),
)
PAIR_COLUMNS = ("user_id", "video_id", "views", "watch_ratio", "watch_ratio_mean", "play_duration", "ts",
                "positive")


@dataclass(frozen=True)
class KuaiRecMatrix:
    """One row per (user_id, video_id) pair (columns :data:`PAIR_COLUMNS`), and the file's check."""

    pairs: pd.DataFrame
    check: FileCheck
    threshold: float

    @property
    def users(self) -> npt.NDArray[np.int64]:
        return np.unique(self.pairs["user_id"].to_numpy())

    @property
    def videos(self) -> npt.NDArray[np.int64]:
        return np.unique(self.pairs["video_id"].to_numpy())

    def positives(self) -> pd.DataFrame:
        return self.pairs[self.pairs["positive"].to_numpy()]

    def to_csr(self, value: str = "positive") -> tuple[sp.csr_matrix, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Users x videos matrix of ``value`` (e.g. ``positive`` as 1.0, or ``watch_ratio``), and the ids of
        its rows and columns (sorted)."""
        users, rows = np.unique(self.pairs["user_id"].to_numpy(), return_inverse=True)
        videos, cols = np.unique(self.pairs["video_id"].to_numpy(), return_inverse=True)
        data = self.pairs[value].to_numpy(dtype=np.float64)
        keep = data != 0
        matrix = sp.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(len(users), len(videos)))
        return matrix, users, videos


def check_threshold(threshold: float) -> None:
    if not math.isfinite(threshold) or threshold < 0:
        raise ConfigError(f"--threshold {threshold} must be a finite watch_ratio >= 0 (MP2V-4-Rec uses 2.0)")


def read_kuairec_matrix(
    path: Path | str, threshold: float = 2.0, *, videos: npt.NDArray[np.int64] | None = None,
    name: str | None = None,
) -> KuaiRecMatrix:
    """Read, validate and aggregate a KuaiRec matrix file.

    ``videos``: the known catalogue (item_categories.csv); rows of other videos are rejected. Rejected rows
    and duplicates are in ``check`` (no file is written here).
    """
    check_threshold(threshold)
    path = Path(path)
    table = read_table(path, MATRIX)
    checker = RowChecker(table)
    users = checker.integers("user_id")
    video_ids = checker.integers("video_id")
    ratio = checker.numbers("watch_ratio")
    played = checker.numbers("play_duration")
    stamp = checker.numbers("timestamp", allow_empty=True)
    if videos is not None:
        checker.members(video_ids, videos, "video_id", "video (not in item_categories.csv)")
    # Rows without a timestamp get a unique key, so they are never taken for duplicates of each other.
    ts_key = np.where(np.isnan(stamp), -1.0 - np.arange(len(stamp)), stamp)
    checker.mark_duplicates([users, video_ids, ts_key], "view (same user_id, video_id, timestamp)")
    keep = checker.keep
    rows = pd.DataFrame({"user_id": users[keep], "video_id": video_ids[keep], "watch_ratio": ratio[keep],
                         "play_duration": played[keep], "ts": stamp[keep]})
    pairs = aggregate_views(rows, threshold)
    return KuaiRecMatrix(pairs=pairs, check=checker.finish(name or path.name), threshold=threshold)


def aggregate_views(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per (user_id, video_id): views, max/mean watch_ratio, summed play_duration, last ts."""
    grouped = rows.groupby(["user_id", "video_id"], sort=True)
    pairs = grouped.agg(
        views=("watch_ratio", "size"), watch_ratio=("watch_ratio", "max"),
        watch_ratio_mean=("watch_ratio", "mean"), play_duration=("play_duration", "sum"), ts=("ts", "max"),
    ).reset_index()
    pairs["views"] = pairs["views"].astype(np.int64)
    pairs["positive"] = pairs["watch_ratio"].to_numpy() >= threshold
    return pairs[list(PAIR_COLUMNS)]
