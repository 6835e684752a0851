"""`mp2v benchmark` protocol options on a planted graph: leave-one-out, fast mode, fair ensembles, the report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mp2v.config import ProjectPaths, Settings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.experiments.benchmark import report
from mp2v.experiments.benchmark.fair import fair_tests
from mp2v.experiments.benchmark.run import BEST_MP2V, Benchmark, BenchmarkConfig
from mp2v.experiments.protocols import Protocol, ProtocolConfig
from tests.conftest import Backend
from tests.graphs import two_communities


@pytest.fixture()
def settings(tmp_path: Path, neo4j_backend: Backend) -> Settings:
    return replace(load_settings(), paths=ProjectPaths(tmp_path / "home"), neo4j=neo4j_backend.settings)


def test_leave_one_out_fast_benchmark_with_fair_ensembles(db: QueryRunner, settings: Settings,
                                                          tmp_path: Path) -> None:
    two_communities(db, users_per_side=15, items_per_side=20, watched_per_user=6)
    config = BenchmarkConfig(quick=True, fast=True, baselines=("popularity", "ials"), gnn=False,
                             protocol=ProtocolConfig(Protocol.LEAVE_ONE_OUT))
    bench = Benchmark(db, settings, config, log=lambda _: None)
    assert set(np.diff(bench.split.test.indptr).tolist()) == {1}  # every user (6 items) tests one
    assert set(np.diff(bench.split.validation.indptr).tolist()) == {1}
    outcome = bench.run()
    names = [r.name for r in outcome.results]
    assert "item2vec (production)" in names  # the production baseline stays, even in fast mode
    assert not outcome.ablations and outcome.fast  # fast mode leaves the ablations out
    assert not any(t.params.get("trainer") == "numba-typed" for t in outcome.searches["MP2V"].trials)
    assert {t["metric"] for t in outcome.tests} >= {"hit_rate@10", "ndcg@10"}
    # Ensemble against ensemble: iALS as a seed ensemble of the same size, with its summed fit time.
    ensemble = bench._baseline_ensembles(outcome.searches, 2)
    assert [r.name for r in ensemble] == ["iALS x2"] and ensemble[0].params["seeds"] == 2
    single = next(r for r in outcome.results if r.name == "iALS")
    assert ensemble[0].timings["fit"] > 0 and ensemble[0].metrics.keys() == single.metrics.keys()
    if outcome.ensemble_size > 1:  # the run already fitted iALS as large as the chosen MP2V ensemble
        assert f"iALS x{outcome.ensemble_size}" in names
    singles_and_mp2v = [r for r in outcome.results if " x" not in r.name]
    outcome = replace(outcome, results=[*singles_and_mp2v, *ensemble], ensemble_size=2)
    tests = fair_tests(outcome)
    assert {t["b"] for t in tests["ensemble"]} == {"iALS x2"} and all(t["a"] == BEST_MP2V for t in tests["ensemble"])
    assert "iALS x2" not in {t["b"] for t in tests["single"]} and "iALS" in {t["b"] for t in tests["single"]}
    markdown, data = report.write(outcome, tmp_path / "results", "mp2v benchmark --fast --protocol leave-one-out")
    assert markdown.name.endswith("-leave-one-out-fast.md")  # beside, never over, a full run's file
    text = markdown.read_text()
    assert "leave-one-out" in text and "## Fair comparisons" in text and "### Ensembles of 2" in text
    assert "the ablations" in text  # listed under what the fast run left out
    chart = markdown.with_name(markdown.stem + "-fit-time.png")
    assert chart.read_bytes()[:4] == b"\x89PNG" and chart.name in text
