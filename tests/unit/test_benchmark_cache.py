"""The benchmark's trial store and cached test results are keyed by the data, not only the parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mp2v.errors import EvaluationError
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark.trials import ResultCache, TrialStore

PARAMS = {"dimensions": 64, "weighted": True}


def _result(name: str = "MP2V best", recall: float = 0.25) -> MethodResult:
    return MethodResult(name, Stage.TEST, PARAMS, {"fit": 1.0}, {"recall@20": recall},
                        {"recall@20": np.array([recall, recall])}, np.array([0, 1]), np.array([[3, 4], [5, 6]]))


def test_a_cached_result_is_reused_for_the_same_data_and_params(tmp_path: Path) -> None:
    ResultCache(tmp_path, "graph-a:holdout:42:100").put(_result(), PARAMS)
    cached = ResultCache(tmp_path, "graph-a:holdout:42:100").get("MP2V best", PARAMS)
    assert cached is not None
    assert cached.metrics == {"recall@20": 0.25}
    np.testing.assert_array_equal(cached.topk, [[3, 4], [5, 6]])


def test_a_cached_result_is_not_reused_after_a_reload_with_other_data(tmp_path: Path) -> None:
    ResultCache(tmp_path, "graph-a:holdout:42:100").put(_result(), PARAMS)
    assert ResultCache(tmp_path, "graph-b:holdout:42:100").get("MP2V best", PARAMS) is None
    assert ResultCache(tmp_path, "graph-a:holdout:7:100").get("MP2V best", PARAMS) is None
    assert ResultCache(tmp_path, "graph-a:holdout:42:100").get("MP2V best", {**PARAMS, "dimensions": 32}) is None


def test_a_damaged_cached_result_is_computed_again(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "graph-a")
    cache.put(_result(), PARAMS)
    npz, meta = cache.paths("MP2V best")
    npz.write_bytes(npz.read_bytes()[:20])
    assert cache.get("MP2V best", PARAMS) is None
    cache.put(_result(recall=0.5), PARAMS)
    meta.write_text('{"key": ')
    assert cache.get("MP2V best", PARAMS) is None


def test_trials_are_keyed_by_context_and_survive_a_reload(tmp_path: Path) -> None:
    calls = []

    def evaluate() -> tuple[dict[str, float], list[str]]:
        calls.append(1)
        return {"recall@20": 0.1}, []

    TrialStore(tmp_path, "graph-a").run("MP2V", "validation", PARAMS, evaluate)
    TrialStore(tmp_path, "graph-a").run("MP2V", "validation", PARAMS, evaluate)
    assert len(calls) == 1
    TrialStore(tmp_path, "graph-b").run("MP2V", "validation", PARAMS, evaluate)
    assert len(calls) == 2
    assert len(TrialStore(tmp_path, "graph-b")) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["trials.jsonl"]


def test_a_damaged_trial_line_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "trials.jsonl").write_text('{"method": "MP2V", "stage": "valid\n')
    with pytest.raises(EvaluationError) as caught:
        TrialStore(tmp_path, "graph-a")
    assert str(caught.value).startswith(f"{tmp_path / 'trials.jsonl'}, line 1: damaged trial record")
    assert "\n" not in str(caught.value)
