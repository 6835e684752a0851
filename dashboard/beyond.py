"""Diversity and novelty of one recommendation list, measured the way the evaluation measures them.

The evaluation scores every method's lists in one shared reference space: unit item vectors from a
truncated SVD of the training matrix (``reference_item_space``), and popularity from the same matrix. The
dashboard rebuilds that matrix from the report's saved split when there is one (exactly the evaluation's
training rows), and otherwise from the graph's interactions (the KuaiRec protocol trains on all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import streamlit as st

from dashboard.artefacts import Report, arrays
from dashboard.data import Graph
from mp2v.evaluation.beyond import reference_item_space
from mp2v.evaluation.metrics import intra_list_diversity, novelty, popularity_from_interactions
from mp2v.evaluation.split import ThreeWaySplit, load_split
from mp2v.experiments.protocols import read_interactions
from mp2v.types import FloatMatrix


@dataclass(frozen=True)
class ReferenceSpace:
    columns: dict[Any, int]
    vectors: FloatMatrix
    popularity: npt.NDArray[np.float64]
    source: str

    def measure(self, item_ids: Sequence[Any]) -> tuple[float, float]:
        """(diversity, novelty) of one list; NaN when fewer than two of its items are in the space."""
        columns = [self.columns[i] for i in item_ids if i in self.columns]
        if len(columns) < 2:
            return float("nan"), float("nan")
        lists = np.array([columns], dtype=np.int64)
        return float(intra_list_diversity(lists, self.vectors)[0]), float(novelty(lists, self.popularity)[0])


def _split_training(home: Path, report: Report) -> tuple[sp.csr_matrix, npt.NDArray[Any]] | None:
    """The evaluation's own training matrix, from the saved holdout split the report was judged on."""
    results = report.results
    if results.get("protocol") != "holdout" or not report.methods:
        return None
    path = home / "splits" / f"{results.get('dataset')}-holdout-seed{results.get('split_seed')}"
    data = arrays(report, report.methods[0]["name"])
    if data is None or not path.with_name(path.name + ".json").is_file():
        return None
    split = load_split(path)
    if not isinstance(split, ThreeWaySplit) or split.train.shape[1] != data["item_ids"].size:
        return None
    # The test stage trains on train + validation; the validation stage on train only (see protocols.py).
    train = (split.train + split.validation).tocsr() if results.get("stage") == "test" else split.train
    return train, data["item_ids"]


@st.cache_resource(show_spinner="Building the reference item space ...", max_entries=4)
def reference_space(home: str, report_folder: str | None, _report: Report | None, _graph: Graph,
                    key: str) -> ReferenceSpace | None:
    """The shared space of the report's evaluation, or of the graph's interactions; None without either."""
    found = _split_training(Path(home), _report) if _report is not None else None
    source = f"training split of report {_report.name}" if found and _report else ""
    if found is None and _graph.runner is not None and _graph.model is not None:
        table = read_interactions(_graph.runner, _graph.model)
        found, source = (table.matrix, table.item_ids), "all interactions in the graph"
    if found is None:
        return None
    train, item_ids = found
    return ReferenceSpace({item: col for col, item in enumerate(item_ids.tolist())}, reference_item_space(train),
                          popularity_from_interactions(train), source)
