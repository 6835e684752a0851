"""The verdict's words follow the paired test: a higher mean is "ahead" only when the test says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark.config import BEST_MP2V, BenchmarkOutcome
from mp2v.experiments.benchmark.report import verdict


def _result(name: str, recall: float, ndcg: float) -> MethodResult:
    empty = np.zeros(0, dtype=np.int64)
    return MethodResult(name, Stage.TEST, {}, {"fit": 1.0}, {"recall@20": recall, "ndcg@20": ndcg}, {}, empty,
                        empty)


def _outcome(p_recall: float, p_ndcg: float, *, ials_recall: float = 0.29) -> BenchmarkOutcome:
    results = [_result(BEST_MP2V, 0.30, 0.30), _result("iALS", ials_recall, 0.28), _result("EASE", 0.27, 0.27)]
    tests = [{"a": BEST_MP2V, "b": "iALS", "metric": metric, "mean_diff": 0.30 - value, "ci_low": -0.01,
              "ci_high": 0.02, "p_value": p} for metric, value, p in
             (("recall@20", ials_recall, p_recall), ("ndcg@20", 0.28, p_ndcg))]
    return BenchmarkOutcome(None, {}, results, [], tests, 0.0, Path("."))  # type: ignore[arg-type]


@pytest.mark.parametrize(("p_recall", "recall_words"), [
    (0.001, "is ahead of every baseline"),
    (0.84, "scores highest but is level with the strongest baseline (p >= 0.05)"),
])
def test_ahead_only_where_the_paired_test_is_significant(p_recall: float, recall_words: str) -> None:
    recall, ndcg = verdict(_outcome(p_recall, 0.001))
    assert recall.startswith(f"At Recall@20 the best MP2V variant (0.3000) {recall_words}; the strongest is iALS")
    assert f"Wilcoxon p = {p_recall:.2g}" in recall
    assert "is ahead of every baseline" in ndcg


def test_a_baseline_at_or_above_mp2v_is_named_as_ahead_of_it() -> None:
    recall, _ = verdict(_outcome(0.5, 0.001, ials_recall=0.31))
    assert recall.startswith("At Recall@20 the best MP2V variant (0.3000) is BEHIND iALS (0.3100")
