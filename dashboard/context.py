"""What every view receives: settings, the graph, the trained runs to compare and the evaluation reports;
and the sidebar that chooses them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import artefacts, data, state
from dashboard.artefacts import Report
from dashboard.data import Graph
from mp2v.config import Settings
from mp2v.embeddings.store import StoredRun

NO_RUNS = ("No trained model yet in {runs}: run `mp2v demo` (loads Last.fm and trains MP2V, R-MP2V and item2vec) "
           "or `mp2v evaluate` on the loaded dataset, then reload this page.")


@dataclass(frozen=True)
class Context:
    settings: Settings
    graph: Graph
    #: Trained runs of the loaded dataset, newest first (run.json metadata).
    runs: list[dict[str, Any]]
    #: Method -> run id: the runs the views compare (one per method).
    compared: dict[str, str]
    reports: list[Report]

    @property
    def runs_root(self) -> str:
        return str(self.settings.paths.runs)

    @property
    def home(self) -> Path:
        return self.settings.paths.home

    @property
    def no_runs_message(self) -> str:
        return NO_RUNS.format(runs=self.settings.paths.runs)

    def run(self, method: str) -> StoredRun:
        return artefacts.stored_run(self.runs_root, self.compared[method])

    def meta(self, method: str) -> dict[str, Any]:
        return next(r for r in self.runs if r["run_id"] == self.compared[method])

    def item_noun(self) -> str:
        return self.graph.model.item_label if self.graph.model else "Item"


def dimensions(run: dict[str, Any]) -> int | None:
    params = run.get("params", {})
    value = params.get("train", {}).get("dimensions") or params.get("item2vec", {}).get("dim")
    return int(value) if value else None


def run_label(run: dict[str, Any]) -> str:
    """``2026-11-25 14:02 · test · 32 d`` (run ids already carry the method)."""
    created = str(run.get("created", "?")).replace("T", " ")[:16]
    dims = dimensions(run)
    return " · ".join(p for p in (created, str(run.get("stage", "?")), f"{dims} d" if dims else "") if p)


def _formatter(labels: dict[str, str]) -> Callable[[str], str]:
    return lambda run_id: labels[run_id]


def _select_runs(runs: list[dict[str, Any]], reports: list[Report]) -> dict[str, str]:
    """One run per method: a selectbox when a method has several, defaulting to the newest report's run."""
    by_method: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_method.setdefault(str(run.get("method", "?")), []).append(run)
    reported = {m["name"]: m.get("run_id") for m in reports[0].methods} if reports else {}
    chosen: dict[str, str] = {}
    for method in sorted(by_method, key=artefacts.method_rank):
        labels: dict[str, str] = {str(r["run_id"]): run_label(r) for r in by_method[method]}
        options = list(labels)
        default = str(reported.get(method)) if reported.get(method) in labels else options[0]
        if len(options) == 1:
            st.caption(f"**{method}** · {labels[default]}")
            chosen[method] = default
        else:
            key = "run_" + re.sub(r"[^a-z0-9]+", "_", method.lower())
            state.setting(key, default, allowed=options)
            picked = st.selectbox(method, options, key=key, format_func=_formatter(labels))
            state.publish(key)
            chosen[method] = str(picked)
    return chosen


def sidebar(settings: Settings, views: list[str]) -> tuple[str, Context]:
    """Draw the sidebar (view switch, status, run selectors, reload) and build the views' context."""
    with st.sidebar:
        st.markdown("## :material/hub: mp2v dashboard")
        state.setting("view", views[0], allowed=views)
        view = st.radio("View", views, key="view")
        state.publish("view")
        graph = data.open_graph(settings.neo4j)
        dataset = graph.model.dataset if graph.model else None
        runs = artefacts.runs(settings.paths.runs, dataset)
        reports = artefacts.reports(settings.paths.home, dataset)
        st.divider()
        if graph.runner is None:
            st.markdown(f"**Neo4j** · :red[unavailable] · `{settings.neo4j.uri}`")
        elif graph.model is None:
            st.markdown(f"**Neo4j** · :orange[no dataset loaded] · `{settings.neo4j.uri}`")
        else:
            st.markdown(f"**Neo4j** · :green[connected] · `{settings.neo4j.uri}`  \n**Dataset** · {dataset}")
        st.markdown(f"**Trained runs** · {len(runs)}")
        compared = _select_runs(runs, reports)
        st.divider()
        if st.button("Reload data", key="reload", help="Forget cached reads (after loading or training)"):
            st.cache_data.clear()
            data.forget_connection()
            st.rerun()
    return view, Context(settings, graph, runs, compared, reports)
