"""The pure parts of bench.gap_breakdown, on hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from bench.gap_breakdown import popularity_deciles, quartile_groups
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


def test_quartile_groups_split_evenly_and_keep_ties_together() -> None:
    groups = quartile_groups(np.arange(1.0, 9.0))  # 1..8: two values per quartile
    assert [mask.nonzero()[0].tolist() for _, mask in groups] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert groups[0][0] == "Q1 (1 to 2)" and groups[3][0] == "Q4 (7 to 8)"
    tied = quartile_groups(np.array([40.0] * 9 + [3.0]))  # Last.fm's capped activity: one group holds the ties
    assert sum(int(mask.sum()) for _, mask in tied) == 10 and len(tied) == 2


def test_popularity_deciles_count_the_top_20_slots_by_the_item_s_decile() -> None:
    popularity = np.arange(20.0)  # item i has popularity i: items 18 and 19 are the top decile
    topk = np.array([[19, 18, 0, -1], [19, 2, 3, 17]])  # -1: a padded slot, not counted
    result = MethodResult("m", Stage.TEST, {}, {}, {}, {}, np.array([0, 1]), topk)
    shares = popularity_deciles(result, popularity)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[9] == pytest.approx(3 / 7) and shares[0] == pytest.approx(1 / 7)
    assert shares[1] == pytest.approx(2 / 7) and shares[8] == pytest.approx(1 / 7)
