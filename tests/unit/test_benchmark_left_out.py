"""The benchmark report lists LightGCN as left out when torch is missing (the run still works without it)."""

from __future__ import annotations

import pytest

from mp2v.experiments.benchmark import run
from mp2v.experiments.benchmark.run import BenchmarkConfig


@pytest.mark.parametrize("installed", [True, False])
def test_lightgcn_is_listed_as_left_out_only_without_torch(monkeypatch: pytest.MonkeyPatch, installed: bool) -> None:
    monkeypatch.setattr(run, "torch_available", lambda: installed)
    listed = [line for line in BenchmarkConfig().left_out() if line.startswith("LightGCN")]
    assert listed == ([] if installed else ["LightGCN: torch is not installed (pip install 'mp2v[gnn]')"])
    assert not [line for line in BenchmarkConfig(gnn=False).left_out() if line.startswith("LightGCN")]
