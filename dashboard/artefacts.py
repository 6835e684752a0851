"""Cached reads of the trained runs and evaluation reports under ``MP2V_HOME``.

Embeddings, scorers and per-method arrays are large and read-only: ``st.cache_resource`` keeps one copy
(``st.cache_data`` would copy them on every rerun). Small derived tables use ``st.cache_data``. Listings are
keyed by the modification time of what they list, so a run trained while the dashboard is open shows up
at the next click without a reload.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import streamlit as st

from mp2v.embeddings import projection as space
from mp2v.embeddings.store import RunStore, StoredRun
from mp2v.errors import EvaluationError
from mp2v.evaluation.inspection import mrr_at_k, stage_truth
from mp2v.evaluation.metrics import coverage_at_k, gini_of_exposure, lorenz_curve
from mp2v.evaluation.split import load_split
from mp2v.experiments.benchmark.results_file import BenchmarkFile, benchmark_files, read_benchmark
from mp2v.serving.scoring import Scorer, similar_items

#: Display order of the methods; any other method follows alphabetically.
METHOD_ORDER = ("MP2V", "R-MP2V", "item2vec")
#: Points kept per Lorenz curve (the full curve has one point per item).
LORENZ_POINTS = 201


def method_rank(method: str) -> tuple[int, str]:
    return (METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER), method)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


# -- runs ----------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _runs(root: str, stamp: int) -> list[dict[str, Any]]:
    # Damaged runs are left out here; `mp2v runs` names them.
    return RunStore(Path(root)).scan()[0]


def runs(root: Path, dataset: str | None) -> list[dict[str, Any]]:
    """Metadata of the trained runs (of ``dataset`` when known), newest first."""
    found = [r for r in _runs(str(root), _mtime(root)) if dataset is None or r.get("dataset") == dataset]
    return sorted(found, key=lambda r: (r.get("created", ""), r.get("run_id", "")), reverse=True)


@st.cache_resource(show_spinner="Loading embeddings ...", max_entries=12)
def stored_run(root: str, run_id: str) -> StoredRun:
    return RunStore(Path(root)).load(run_id)


@st.cache_resource(show_spinner=False, max_entries=12)
def scorer(root: str, run_id: str) -> Scorer:
    """The run's own user -> item rule (``dot`` for MP2V, ``cosine`` for item2vec), as the evaluation scored it."""
    run = stored_run(root, run_id)
    return Scorer(run.embeddings, run.metadata.get("scoring", "dot"))


@st.cache_data(show_spinner=False, max_entries=2000)
def recommend(root: str, run_id: str, user: Any, k: int, seen: frozenset[Any]) -> pd.DataFrame | None:
    """Top-k items (id, score) for a user, skipping ``seen`` (the history, and items below a minimum
    popularity when asked); None when the run has no vector for the user."""
    run = stored_run(root, run_id)
    row = run.embeddings.user_rows.get(user)
    if row is None:
        return None
    scores = scorer(root, run_id)(np.array([row]))[0]
    item_rows = run.embeddings.item_rows
    scores[[item_rows[i] for i in seen if i in item_rows]] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    best = best[np.isfinite(scores[best])]
    return pd.DataFrame({"id": run.embeddings.item_ids[best], "score": scores[best].astype(float)})


@st.cache_data(show_spinner=False, max_entries=2000)
def neighbours(root: str, run_id: str, item: Any, k: int) -> pd.DataFrame | None:
    """The k nearest items by cosine of input vectors; None when the run has no vector for the item."""
    run = stored_run(root, run_id)
    if item not in run.embeddings.item_rows:
        return None
    return pd.DataFrame(similar_items(run.embeddings, item, k), columns=["id", "similarity"])


@st.cache_data(show_spinner=False, max_entries=24)
def item_cosine(root: str, run_id: str) -> float:
    """Mean pairwise cosine of the run's item vectors (a sample): near 1 means the space has collapsed."""
    return space.mean_pairwise_cosine(stored_run(root, run_id).embeddings.item_input)


def sample_rows(root: str, run_id: str, max_points: int, seed: int = 0) -> tuple[npt.NDArray[np.int64],
                                                                                 npt.NDArray[np.int64]]:
    """Rows of the users and items drawn in the projector: a third users, the rest items (seeded)."""
    emb = stored_run(root, run_id).embeddings
    rng = np.random.default_rng(seed)
    n_users = min(emb.user_ids.size, max_points // 3)
    users = np.sort(rng.permutation(emb.user_ids.size)[:n_users])
    items = np.sort(rng.permutation(emb.item_ids.size)[: max_points - n_users])
    return users, items


@st.cache_resource(show_spinner="Projecting embeddings ...", max_entries=12)
def projection(root: str, run_id: str, method: str, max_points: int = 3000) -> tuple[pd.DataFrame,
                                                                                    npt.NDArray[np.float64]]:
    """2-D projection (PCA or UMAP) of a sample of users and items, input vectors projected together:
    a frame (kind, id, x, y) and PCA's explained-variance ratios (empty for UMAP)."""
    emb = stored_run(root, run_id).embeddings
    users, items = sample_rows(root, run_id, max_points)
    joint = np.vstack([emb.user_input[users], emb.item_input[items]])
    result = space.project(joint, method)
    frame = pd.DataFrame({"kind": ["user"] * users.size + ["item"] * items.size,
                          "id": np.concatenate([emb.user_ids[users], emb.item_ids[items]]).tolist(),
                          "x": result.coordinates[:, 0], "y": result.coordinates[:, 1]})
    return frame, result.explained


def _split_stamp(home: Path, report: Report) -> tuple[str, int]:
    path = home / "splits" / f"{report.results.get('dataset')}-holdout-seed{report.results.get('split_seed')}"
    return str(path), _mtime(path.with_name(path.name + ".json"))


@st.cache_resource(show_spinner="Reading the held-out split ...", max_entries=4)
def _truth(path: str, stamp: int, stage: str) -> Any:
    return stage_truth(load_split(Path(path)), stage) if stamp else None


def report_truth(home: Path, report: Report) -> Any:
    """The held-out matrix the report was judged on (rows = the report's user_ids); None without a saved
    holdout split (KuaiRec's protocol judges on the small matrix instead)."""
    if report.results.get("protocol") != "holdout":
        return None
    path, stamp = _split_stamp(home, report)
    return _truth(path, stamp, str(report.results.get("stage")))


# -- evaluation reports ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    folder: Path
    results: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def methods(self) -> list[dict[str, Any]]:
        return sorted(self.results.get("methods", []), key=lambda m: method_rank(m["name"]))

    def artefact(self, method: str) -> Path:
        return self.folder / "methods" / f"{method}.npz"


@st.cache_data(show_spinner=False)
def _results(path: str, stamp: int) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(Path(path).read_text())
    return loaded


def reports(home: Path, dataset: str | None) -> list[Report]:
    """Evaluation reports (``reports/<dataset>-<stage>/results.json``), newest first."""
    files = sorted((home / "reports").glob("*/results.json"), key=_mtime, reverse=True)
    found = [Report(path.parent, _results(str(path), _mtime(path))) for path in files]
    return [r for r in found if dataset is None or r.results.get("dataset") == dataset]


@st.cache_resource(show_spinner="Loading top-100 lists ...", max_entries=24)
def method_arrays(path: str, stamp: int) -> dict[str, npt.NDArray[Any]]:
    """A method's saved top-100 lists, rows evaluated, id axes and per-user metrics (methods/<name>.npz)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def arrays(report: Report, method: str) -> dict[str, npt.NDArray[Any]] | None:
    path = report.artefact(method)
    return method_arrays(str(path), _mtime(path)) if path.is_file() else None


@st.cache_data(show_spinner=False, max_entries=64)
def exposure(path: str, stamp: int, k: int) -> tuple[float, float, pd.DataFrame]:
    """Coverage and Gini of item exposure in every user's top k, and the Lorenz curve (downsampled)."""
    data = method_arrays(path, stamp)
    lists, n_items = data["topk"][:, :k], int(data["item_ids"].size)
    x, y = lorenz_curve(lists, n_items)
    keep = np.unique(np.linspace(0, x.size - 1, LORENZ_POINTS).astype(int))
    curve = pd.DataFrame({"items": x[keep], "exposure": y[keep]})
    return coverage_at_k(lists, n_items), gini_of_exposure(lists, n_items), curve


@st.cache_data(show_spinner=False, max_entries=64)
def histogram(path: str, stamp: int, metric: str, bins: int = 40) -> pd.DataFrame:
    """Counts of a per-user metric in ``bins`` equal bins over [0, 1] (start, end, users); binned here so the
    browser draws 40 bars instead of binning thousands of values."""
    values = method_arrays(path, stamp)[f"per_user/{metric}"]
    # One fixed range, so the bars of every method line up; the rare value outside it joins the edge bin.
    counts, edges = np.histogram(np.clip(values[np.isfinite(values)], 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "users": counts})


@dataclass(frozen=True)
class JointSpace:
    """Every user and item input vector of a run in one matrix (users first), for neighbour look-ups."""

    vectors: npt.NDArray[np.float32]
    kinds: npt.NDArray[Any]
    ids: npt.NDArray[Any]

    def row(self, kind: str, entity: Any) -> int | None:
        found = np.flatnonzero((self.kinds == kind) & (self.ids == entity))
        return int(found[0]) if found.size else None


@st.cache_resource(show_spinner=False, max_entries=12)
def joint_space(root: str, run_id: str) -> JointSpace:
    emb = stored_run(root, run_id).embeddings
    kinds = np.array(["user"] * emb.user_ids.size + ["item"] * emb.item_ids.size, dtype=object)
    ids = np.concatenate([emb.user_ids.astype(object), emb.item_ids.astype(object)])
    return JointSpace(np.vstack([emb.user_input, emb.item_input]).astype(np.float32), kinds, ids)


@st.cache_data(show_spinner=False, max_entries=500)
def nearest_points(root: str, run_id: str, kind: str, entity: Any, k: int) -> pd.DataFrame | None:
    """The k users and items nearest to one point by cosine of input vectors: kind, id, similarity."""
    joint = joint_space(root, run_id)
    row = joint.row(kind, entity)
    if row is None:
        return None
    rows, similarity = space.nearest(joint.vectors, row, k)
    return pd.DataFrame({"kind": joint.kinds[rows], "id": joint.ids[rows], "similarity": similarity})


@st.cache_data(show_spinner=False, max_entries=64)
def _mrr(path: str, stamp: int, split: str, split_stamp: int, stage: str, k: int) -> float | None:
    truth = _truth(split, split_stamp, stage)
    data = method_arrays(path, stamp)
    if truth is None or truth.shape != (data["user_ids"].size, data["item_ids"].size):
        return None
    return mrr_at_k(data["topk"], truth, k)


def mrr(home: Path, report: Report, method: str, k: int) -> float | None:
    """MRR@k of a method's saved lists against the report's held-out split; None without both."""
    path = report.artefact(method)
    if report.results.get("protocol") != "holdout" or not path.is_file():
        return None
    split, split_stamp = _split_stamp(home, report)
    return _mrr(str(path), _mtime(path), split, split_stamp, str(report.results.get("stage")), k)


def results_folder() -> Path:
    """Where the committed benchmark files are: ``MP2V_RESULTS``, else the checkout's ``results/``, else
    ``./results``."""
    configured = os.environ.get("MP2V_RESULTS")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[1] / "results"
    return checkout if checkout.is_dir() else Path.cwd() / "results"


@st.cache_data(show_spinner=False, max_entries=16)
def benchmark(path: str, stamp: int) -> BenchmarkFile:
    return read_benchmark(Path(path))


def benchmarks(folder: Path) -> tuple[list[BenchmarkFile], list[str]]:
    """Every benchmark file of ``folder``, and a one-line problem for each file that cannot be read."""
    found, problems = [], []
    for path in benchmark_files(folder):
        try:
            found.append(benchmark(str(path), _mtime(path)))
        except EvaluationError as error:
            problems.append(str(error))
    return found, problems
