"""Paired comparison: Wilcoxon signed-rank test plus a bootstrap CI of the mean difference."""

from __future__ import annotations

import numpy as np
import pytest

from mp2v.errors import EvaluationError
from mp2v.evaluation.significance import paired_comparison


def test_identical_arrays_give_p_one_and_a_zero_interval() -> None:
    values = np.random.default_rng(0).random(200)
    result = paired_comparison(values, values.copy(), n_bootstrap=2000)
    assert result.p_value == 1.0 and result.wilcoxon_statistic == 0.0
    assert result.ci_low <= 0.0 <= result.ci_high
    assert (result.n_better, result.n_worse, result.n_tied) == (0, 0, 200)
    assert result.mean_diff == 0.0


def test_a_clearly_shifted_array_is_significant() -> None:
    rng = np.random.default_rng(1)
    b = rng.random(300)
    a = b + 0.1 + 0.01 * rng.random(300)  # better for every user
    result = paired_comparison(a, b, n_bootstrap=2000)
    assert result.p_value < 1e-10
    assert (result.n_better, result.n_worse, result.n_tied) == (300, 0, 0)
    assert 0.1 < result.ci_low <= result.mean_diff <= result.ci_high < 0.11
    assert result.mean_a == pytest.approx(a.mean()) and result.mean_b == pytest.approx(b.mean())


def test_hand_worked_wilcoxon_statistic() -> None:
    # differences a - b = [1, 2, 3, -4, 5, 0]: the zero is dropped (zero_method='wilcox'),
    # |d| ranks 1..5, R+ = 1 + 2 + 3 + 5 = 11, R- = 4; two-sided statistic = min(R+, R-) = 4
    a = np.array([1.0, 2.0, 3.0, 0.0, 5.0, 7.0])
    b = np.array([0.0, 0.0, 0.0, 4.0, 0.0, 7.0])
    result = paired_comparison(a, b, n_bootstrap=500)
    assert result.wilcoxon_statistic == 4.0
    assert 0.0 < result.p_value < 1.0
    assert (result.n_better, result.n_worse, result.n_tied) == (4, 1, 1)


def test_interval_contains_the_true_difference() -> None:
    constant = paired_comparison(np.full(50, 0.7), np.full(50, 0.5), n_bootstrap=1000)
    assert constant.ci_low == pytest.approx(0.2) and constant.ci_high == pytest.approx(0.2)
    rng = np.random.default_rng(0)
    b = rng.random(1000)
    a = b + rng.normal(0.05, 0.1, size=1000)  # true mean difference 0.05
    result = paired_comparison(a, b, n_bootstrap=5000, seed=3)
    assert result.ci_low < 0.05 < result.ci_high
    # percentile bootstrap of a mean ~ normal theory: mean_diff +- 1.96 * sd / sqrt(n)
    half_width = 1.96 * np.std(a - b) / np.sqrt(1000)
    assert result.ci_low == pytest.approx(result.mean_diff - half_width, abs=0.1 * half_width)
    assert result.ci_high == pytest.approx(result.mean_diff + half_width, abs=0.1 * half_width)


def test_interval_covers_the_true_difference_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(1)
    covered = 0
    for replication in range(40):
        b = rng.random(200)
        a = b + rng.normal(0.05, 0.1, size=200)
        result = paired_comparison(a, b, n_bootstrap=1000, seed=replication)
        covered += result.ci_low < 0.05 < result.ci_high
    assert covered >= 34  # expected 38 of 40; at most 33 has probability 0.4 % for a correct 95 % interval


def test_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.random(100), rng.random(100)
    assert paired_comparison(a, b, seed=5) == paired_comparison(a, b, seed=5)


def test_rejects_misaligned_or_undefined_values() -> None:
    with pytest.raises(EvaluationError, match="same users"):
        paired_comparison(np.zeros(3), np.zeros(4))
    with pytest.raises(EvaluationError, match="NaN"):
        paired_comparison(np.array([0.0, np.nan]), np.zeros(2))
    with pytest.raises(EvaluationError, match="empty"):
        paired_comparison(np.zeros(0), np.zeros(0))
    with pytest.raises(EvaluationError, match="n_bootstrap"):
        paired_comparison(np.zeros(2), np.zeros(2), n_bootstrap=0)
