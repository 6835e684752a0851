"""Paired significance test of two models' per-user metric values (same users, same order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from mp2v.errors import EvaluationError

#: Upper bound on resampled values held at once (chunk of bootstrap replicates x users).
_BOOTSTRAP_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class PairedResult:
    """Comparison of ``a`` against ``b``; differences are ``a - b``, so ``n_better`` counts users where a > b.

    ``ci_low``/``ci_high`` bound the mean difference (percentile bootstrap over users, ``confidence`` level).
    """

    n_users: int
    mean_a: float
    mean_b: float
    mean_diff: float
    wilcoxon_statistic: float
    p_value: float
    n_better: int
    n_worse: int
    n_tied: int
    ci_low: float
    ci_high: float
    confidence: float


def paired_comparison(
    a: npt.NDArray[np.floating],
    b: npt.NDArray[np.floating],
    n_bootstrap: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedResult:
    """Wilcoxon signed-rank test (two-sided, zero_method='wilcox': ties dropped) plus a bootstrap CI of mean(a - b).

    If every difference is zero the test is skipped and reported as statistic 0, p = 1. The bootstrap draws
    ``n_bootstrap`` resamples of users with replacement (in chunks, to bound memory) and takes the
    (1 - confidence) / 2 and (1 + confidence) / 2 percentiles of the resampled mean differences.
    """
    first, second = _checked_pair(a, b)
    if not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 1:
        raise EvaluationError(f"paired_comparison: n_bootstrap must be a positive integer, got {n_bootstrap!r}")
    if not 0.0 < confidence < 1.0:
        raise EvaluationError(f"paired_comparison: confidence must lie strictly between 0 and 1, got {confidence!r}")
    differences = first - second
    if np.count_nonzero(differences) == 0:
        statistic, p_value = 0.0, 1.0
    else:
        test = stats.wilcoxon(differences, zero_method="wilcox", alternative="two-sided")
        statistic, p_value = float(test.statistic), float(test.pvalue)
    ci_low, ci_high = _bootstrap_interval(differences, int(n_bootstrap), seed, confidence)
    return PairedResult(
        n_users=int(differences.size),
        mean_a=float(first.mean()),
        mean_b=float(second.mean()),
        mean_diff=float(differences.mean()),
        wilcoxon_statistic=statistic,
        p_value=p_value,
        n_better=int(np.count_nonzero(differences > 0)),
        n_worse=int(np.count_nonzero(differences < 0)),
        n_tied=int(np.count_nonzero(differences == 0)),
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=float(confidence),
    )


def _bootstrap_interval(
    differences: npt.NDArray[np.float64], n_bootstrap: int, seed: int, confidence: float
) -> tuple[float, float]:
    """Percentile interval of the mean of ``differences`` resampled with replacement ``n_bootstrap`` times."""
    rng = np.random.default_rng(seed)
    n_users = differences.size
    resampled_means = np.empty(n_bootstrap, dtype=np.float64)
    chunk = max(1, _BOOTSTRAP_ELEMENTS // n_users)
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        picks = rng.integers(0, n_users, size=(size, n_users))
        resampled_means[start : start + size] = differences[picks].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(resampled_means, [tail, 1.0 - tail])
    return float(low), float(high)


def _checked_pair(
    a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    first = np.asarray(a, dtype=np.float64)
    second = np.asarray(b, dtype=np.float64)
    if first.ndim != 1 or first.shape != second.shape:
        raise EvaluationError(
            f"paired_comparison: a and b must be 1-D arrays over the same users, got shapes {first.shape} "
            f"and {second.shape}; use MetricReport.per_user of two models evaluated on the same truth"
        )
    if first.size == 0:
        raise EvaluationError("paired_comparison: no users to compare (empty arrays)")
    if np.isnan(first).any() or np.isnan(second).any():
        raise EvaluationError(
            "paired_comparison: NaN in the per-user values; drop users with an undefined metric "
            "(e.g. empty truth) from both arrays first"
        )
    return first, second
