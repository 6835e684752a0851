"""bench.single_variants: reading ``--set`` and the variant table, on hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from bench.single_variants import best_by_validation, label_of, parse_change, variant_rows
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


def _seeded(offset: float, users: int = 30) -> MethodResult:
    per_user = {"recall@20": np.linspace(0.1, 0.4, users) + offset, "ndcg@20": np.linspace(0.2, 0.3, users) + offset}
    return MethodResult("m", Stage.VALIDATION, {}, {}, {k: float(v.mean()) for k, v in per_user.items()}, per_user,
                        np.arange(users), np.zeros((users, 1), np.int64))


def test_changes_read_literals_and_plain_words() -> None:
    change = parse_change("return_weight=0.5, metapaths=uiu,weighted=False")
    assert change == {"return_weight": 0.5, "metapaths": "uiu", "weighted": False}
    assert label_of(change) == "return_weight=0.5, metapaths=uiu, weighted=False"
    assert label_of({}) == "as chosen"


@pytest.mark.parametrize("text", ["return_weight", "=0.5", "return_weight="])
def test_a_change_without_axis_or_value_says_how_to_write_it(text: str) -> None:
    with pytest.raises(SystemExit, match="write axis=value, e.g. --set return_weight=0.5"):
        parse_change(text)


def test_each_variant_is_seed_averaged_and_paired_with_the_configuration_as_chosen() -> None:
    rows = variant_rows({"as chosen": [_seeded(0.0), _seeded(0.01)], "return_weight=0": [_seeded(0.02)]})
    chosen, variant = rows
    # As chosen: mean of 0.25 and 0.26 = 0.255 recall; the variant is 0.27, 0.015 above for every user.
    assert (chosen["recall@20"], variant["recall@20"]) == ("0.2550", "0.2700")
    assert chosen["recall@20 per seed"] == "0.2500 / 0.2600"
    assert chosen["recall@20 − as chosen [95% CI] (p)"] == ""
    assert variant["recall@20 − as chosen [95% CI] (p)"].startswith("+0.0150 [+0.0150, +0.0150]")
    assert variant["ndcg@20 − as chosen [95% CI] (p)"].startswith("+0.0150")


def test_any_row_can_be_the_reference() -> None:
    rows = variant_rows({"as chosen": [_seeded(0.0)], "a=1": [_seeded(0.01)], "a=2": [_seeded(0.03)]}, reference=1)
    column = "recall@20 − a=1 [95% CI] (p)"
    assert rows[0][column].startswith("-0.0100") and rows[1][column] == "" and rows[2][column].startswith("+0.0200")


def test_the_test_reading_goes_to_the_best_seed_averaged_validation_score() -> None:
    # a=1 has the best single seed (0.03) but a=2 the best mean (0.02 against 0.015); as chosen is 0.
    found = {"as chosen": [_seeded(0.0)], "a=1": [_seeded(0.03), _seeded(0.0)], "a=2": [_seeded(0.02)] * 2}
    assert best_by_validation(found) == "a=2"
    assert best_by_validation({"as chosen": [_seeded(0.01)], "a=1": [_seeded(0.0)]}) == "as chosen"
