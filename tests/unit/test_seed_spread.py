"""bench.seed_spread's table of a method's spread over seeds, on hand-worked values."""

from __future__ import annotations

import numpy as np

from bench.seed_spread import spread_table
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
