"""bench/ranking_probes.py without a database: the reference and baselines read from a results JSON, and
the report's deltas signed row - reference with the paired test's p-value."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.ranking_probes import ProbeRow, Probes, baseline_params, reference_params, report
from mp2v.errors import ConfigError
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


def _results_json(tmp_path: Path) -> Path:
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"results": [
        {"name": "EASE", "params": {"l2": 100.0}},
        {"name": "MP2V best", "params": {"window": 2, "seeds": 4, "popularity_prior": 0.5}},
        {"name": "iALS x4", "params": {"factors": 64, "seeds": 4}},
    ]}))
    return path


def test_reference_is_the_chosen_mp2v_as_one_model_and_baselines_keep_their_registry_names(tmp_path: Path) -> None:
    path = _results_json(tmp_path)
    assert reference_params(path) == {"window": 2, "popularity_prior": 0.5}
    assert baseline_params(path) == {"EASE": ("ease", {"l2": 100.0})}  # ensembles are not refitted


def test_a_file_without_a_chosen_mp2v_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"results": [{"name": "EASE", "params": {}}]}))
    with pytest.raises(ConfigError, match="run `mp2v benchmark` first"):
        reference_params(path)


def _result(name: str, ndcg: list[float]) -> MethodResult:
    values = np.asarray(ndcg, dtype=np.float64)
    per_user = {"ndcg@20": values, "recall@20": values}
    metrics = {k: float(values.mean()) for k in ("recall@10", "recall@20", "ndcg@10", "ndcg@20")}
    return MethodResult(name, Stage.VALIDATION, {}, {}, metrics, per_user, np.arange(values.size), np.zeros((1, 1)))


def test_report_signs_deltas_row_minus_reference() -> None:
    probes = Probes.__new__(Probes)
    probes.reference = {"window": 2}
    reference = _result("ref", [0.2] * 30)
    better = _result("better", [0.3] * 20 + [0.2] * 10)  # +0.1 on 20 of 30 users: mean +0.0667
    probes.rows = [ProbeRow("reference", "benchmark's choice", reference, 1.0),
                   ProbeRow("window", "window 5", better, 2.0)]
    text = report(probes, "toy", "python -m bench.ranking_probes data.json", 60.0)
    reference_line, better_line = [line for line in text.splitlines() if line.startswith("| ") and "0.2" in line]
    assert "| – | – | – | – |" in reference_line
    cells = [cell.strip() for cell in better_line.strip("|").split("|")]
    assert cells[6] == "+0.0667" and float(cells[7]) < 0.001  # 20 users better, none worse
