"""bench.split_seeds' per-split rows and their summary over splits, on hand-worked values."""

from __future__ import annotations

import numpy as np

from bench.split_seeds import fit_label, report, split_row, summary
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


def _seeded(offset: float, users: int = 40) -> MethodResult:
    per_user = {"recall@20": np.linspace(0.1, 0.5, users) + offset, "ndcg@20": np.linspace(0.2, 0.4, users) - offset}
    return MethodResult("m", Stage.TEST, {}, {}, {k: float(v.mean()) for k, v in per_user.items()}, per_user,
                        np.arange(users), np.zeros((users, 1), np.int64))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("|")[1:-1]]


def test_a_split_row_pairs_the_seed_averaged_models() -> None:
    # R-MP2V's two seeds average to iALS + 0.01 at recall and iALS - 0.01 at NDCG, for every user.
    label = fit_label(Stage.VALIDATION, Stage.TEST)
    assert label == "tuning fits, test rows"
    row = split_row(7, label, {"R-MP2V": [_seeded(0.0), _seeded(0.02)], "iALS": [_seeded(0.0)]})
    assert (row["split"], row["fit"], row["users"]) == (7, "tuning fits, test rows", 40)
    assert np.isclose(row["_recall@20"], 0.01) and np.isclose(row["_ndcg@20"], -0.01)
    assert row["recall@20 R-MP2V / iALS"] == "0.3100 / 0.3000"
    assert row["ndcg@20 R-MP2V − iALS [95% CI] (p)"].startswith("-0.0100 [-0.0100, -0.0100]")


def test_the_summary_gives_each_fits_mean_sd_range_and_lead_count_in_order_of_appearance() -> None:
    rows = [{"fit": "final fits, test rows", "_recall@20": d, "_ndcg@20": -d} for d in (0.01, -0.02, 0.04)]
    rows.insert(1, {"fit": "tuning fits, validation rows", "_recall@20": 0.005, "_ndcg@20": 0.0})
    lines = summary(rows).splitlines()
    test, validation = _cells(lines[2]), _cells(lines[3])
    # test recall: mean 0.01, sample sd sqrt((0 + 0.03^2 + 0.03^2) / 2) = 0.03; two of three splits ahead.
    assert test[:5] == ["final fits, test rows", "3", "+0.0100 ± 0.0300", "-0.0200 to +0.0400", "2 of 3"]
    assert test[5:] == ["-0.0100 ± 0.0300", "-0.0400 to +0.0200", "1 of 3"]
    # One split has no spread to give; a tie is not a lead.
    assert validation == ["tuning fits, validation rows", "1", "+0.0050", "+0.0050 to +0.0050", "1 of 1",
                          "+0.0000", "+0.0000 to +0.0000", "0 of 1"]


def test_the_report_hides_the_raw_differences() -> None:
    row = split_row(42, fit_label(Stage.TEST, Stage.TEST), {"R-MP2V": [_seeded(0.0)], "iALS": [_seeded(0.0)]})
    assert "_recall@20" not in report([row]).splitlines()[0]
