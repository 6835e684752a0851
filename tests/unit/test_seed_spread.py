"""bench.seed_spread's table of a method's spread over seeds, on hand-worked values."""

from __future__ import annotations

import numpy as np

from bench.seed_spread import comparisons, spread_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


def _result(recall: float, ndcg: float) -> MethodResult:
    return MethodResult("m", Stage.TEST, {}, {}, {"recall@20": recall, "ndcg@20": ndcg}, {}, np.arange(1),
                        np.zeros((1, 1), np.int64))


def test_the_spread_table_gives_the_first_seed_mean_sd_and_range() -> None:
    table = spread_table({"R-MP2V": [_result(0.28, 0.30), _result(0.30, 0.30), _result(0.29, 0.27)]})
    row = table.splitlines()[2]
    # recall: mean 0.29, sample sd 0.01; ndcg: mean 0.29, sd sqrt(((.01)^2 * 2 + (.02)^2) / 2) = 0.0173
    assert row.split("|")[1:-1] == [" R-MP2V ", " 3 ", " 0.2800 ", " 0.2900 ± 0.0100 ", " 0.2800–0.3000 ",
                                    " 0.3000 ", " 0.2900 ± 0.0173 ", " 0.2700–0.3000 "]


def test_comparisons_pair_each_mp2v_row_with_ials_and_each_trainer_with_the_first() -> None:
    def seeded(offset: float) -> MethodResult:
        per_user = {"recall@20": np.linspace(0.1, 0.5, 40) + offset, "ndcg@20": np.linspace(0.2, 0.4, 40) + offset}
        return MethodResult("m", Stage.TEST, {}, {}, {k: float(v.mean()) for k, v in per_user.items()}, per_user,
                            np.arange(40), np.zeros((40, 1), np.int64))

    table = comparisons({"R-MP2V": [seeded(0.0), seeded(0.02)], "R-MP2V, trainer=numba-typed": [seeded(0.03)],
                         "iALS": [seeded(0.0)]})
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    assert [r[0].strip() for r in rows] == ["R-MP2V − iALS", "R-MP2V, trainer=numba-typed − iALS",
                                           "R-MP2V, trainer=numba-typed − R-MP2V"]
    # Seed-averaged: R-MP2V is iALS + 0.01 for every user, the typed row + 0.03, so 0.02 above R-MP2V.
    assert [r[1].split()[0] for r in rows] == ["+0.0100", "+0.0300", "+0.0200"]
