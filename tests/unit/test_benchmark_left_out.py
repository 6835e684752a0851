"""The benchmark report lists LightGCN as left out when torch is missing (the run still works without it)."""

from __future__ import annotations

import pytest

from mp2v.experiments.benchmark import config, run
from mp2v.experiments.benchmark.config import BenchmarkConfig, SearchResult


@pytest.mark.parametrize("installed", [True, False])
def test_lightgcn_is_listed_as_left_out_only_without_torch(monkeypatch: pytest.MonkeyPatch, installed: bool) -> None:
    monkeypatch.setattr(config, "torch_available", lambda: installed)
    listed = [line for line in BenchmarkConfig().left_out() if line.startswith("LightGCN")]
    assert listed == ([] if installed else ["LightGCN: torch is not installed (pip install 'mp2v[gnn]')"])
    assert not [line for line in BenchmarkConfig(gnn=False).left_out() if line.startswith("LightGCN")]


@pytest.mark.gnn
def test_lightgcn_joins_the_fair_ensembles_seeded_by_its_seed_field() -> None:
    """Ensemble against ensemble includes LightGCN: ``size`` fits with seeds 0..size-1, scores summed."""
    pytest.importorskip("torch")
    import numpy as np

    from mp2v.experiments.experiment import FittedMethod

    seeds: list[int] = []

    class Experiment:
        def fit_baseline(self, name: str, recommender: object, stage: str) -> FittedMethod:
            seed = recommender.params.seed  # type: ignore[attr-defined]
            seeds.append(seed)
            return FittedMethod(name, lambda users: np.full((len(users), 3), seed, np.float32), {}, {"fit": 1.0})

    bench = run.Benchmark.__new__(run.Benchmark)
    bench.config, bench.experiment = BenchmarkConfig(baselines=()), Experiment()  # type: ignore[assignment]
    tested: dict[str, FittedMethod] = {}
    bench.test = lambda name, fit, params: tested.setdefault(name, fit(params, "test"))  # type: ignore[method-assign]
    searches = {"LightGCN": SearchResult("LightGCN", {"dim": 8, "epochs": 1}, [])}
    bench._baseline_ensembles(searches, 3)
    assert seeds == [0, 1, 2]
    fitted = tested["LightGCN x3"]
    assert fitted.timings["fit"] == 3.0 and fitted.params["members"] == 3
    assert np.allclose(fitted.score(np.arange(2)), 0 + 1 + 2)
