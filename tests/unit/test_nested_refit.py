"""bench.nested_refit's split one level down and its seed averaging, on small hand-made matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bench.gap_breakdown import averaged
from bench.nested_refit import INNER_SHARE, inner_rows_split, nested_split, parse_variant, sizes_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import EvaluationSplit, Stage


def _outer() -> EvaluationSplit:
    rng = np.random.default_rng(0)
    dense = (rng.random((6, 30)) < 0.6) * rng.integers(1, 9, (6, 30))
    parts = rng.random(dense.shape)  # per entry: test (< .2), validation (< .36) or train
    pick = {name: sp.csr_matrix(np.where((dense > 0) & mask, dense, 0).astype(np.float32))
            for name, mask in (("test", parts < 0.2), ("validation", (parts >= 0.2) & (parts < 0.36)),
                               ("train", parts >= 0.36))}
    binary = {name: (pick[name] != 0).astype(np.float32).tocsr() for name in ("test", "validation")}
    return EvaluationSplit(protocol="holdout", dataset="toy", seed=42, user_ids=np.arange(6), item_ids=np.arange(30),
                           tuning_train=pick["train"], final_train=(pick["train"] + pick["validation"]).tocsr(),
                           validation=binary["validation"], test=binary["test"],
                           tuning_walk_exclusions=("test", "validation"), final_walk_exclusions=("test",),
                           holdout_property="holdout_abc")


def test_the_nested_split_holds_out_a_share_of_train_and_judges_on_validation() -> None:
    outer = _outer()
    nested, parts = nested_split(outer, seed=7)
    inner = parts["inner"]
    # The smaller fit learns from train without the inner rows; the larger from all of train, values kept.
    assert (nested.tuning_train + inner - outer.tuning_train).nnz == 0
    assert nested.tuning_train.multiply(inner).nnz == 0
    counts = np.diff(outer.tuning_train.indptr)
    assert np.diff(inner.indptr).tolist() == [round(INNER_SHARE * c) if c >= 2 else 0 for c in counts]
    larger = nested.stage(Stage.TEST)
    assert (larger.train != outer.tuning_train).nnz == 0 and (larger.truth != outer.validation).nnz == 0
    # Both fits rank what the benchmark's validation stage ranks: train, inner and the outer test rows skipped.
    skipped = {tuple(x) for x in np.argwhere(larger.exclude.toarray() > 0)}
    assert skipped == {tuple(x) for x in np.argwhere((outer.tuning_train + outer.test).toarray() > 0)}
    assert larger.walk_exclusions == ("test", "validation")
    assert nested.stage(Stage.VALIDATION).walk_exclusions == ("test", "validation", "inner")
    assert parts["test"] is outer.test and parts["validation"] is outer.validation
    assert nested.holdout_property.startswith("holdout_nested_") and nested.protocol == "holdout-nested"
    # --both-sizes judges the smaller fit on the inner rows, skipping the benchmark's validation and test rows.
    own = inner_rows_split(nested, parts).stage(Stage.VALIDATION)
    assert (own.train != nested.tuning_train).nnz == 0 and (own.truth != (inner != 0)).nnz == 0
    skipped = {tuple(x) for x in np.argwhere(own.exclude.toarray() > 0)}
    assert skipped == {tuple(x) for x in np.argwhere((nested.tuning_train + outer.validation + outer.test).toarray())}
    again, _ = nested_split(outer, seed=7)
    other, _ = nested_split(outer, seed=8)
    assert again.holdout_property == nested.holdout_property != other.holdout_property


def test_averaged_takes_the_per_user_mean_over_seeds() -> None:
    def result(recall: list[float], ndcg: list[float]) -> MethodResult:
        per_user = {"recall@20": np.array(recall), "ndcg@20": np.array(ndcg)}
        return MethodResult("m", Stage.TEST, {}, {}, {k: float(v.mean()) for k, v in per_user.items()}, per_user,
                            np.arange(2), np.zeros((2, 1), np.int64))

    mean = averaged([result([1.0, 0.0], [0.5, 0.5]), result([0.0, 0.0], [0.1, 0.3])], "R-MP2V")
    assert mean.name == "R-MP2V"
    assert mean.per_user["recall@20"].tolist() == [0.5, 0.0]
    assert mean.metrics == pytest.approx({"recall@20": 0.25, "ndcg@20": 0.35})


def test_a_variant_overrides_tuned_settings_with_values_of_their_type() -> None:
    tuned = {"schedule": "20x3@0.025", "dimensions": 768, "sample": 0.001, "weighted": True}
    assert parse_variant("schedule=25x3@0.025", tuned) == {"schedule": "25x3@0.025"}
    assert parse_variant("dimensions=960, sample=0.0001,weighted=false", tuned) == \
        {"dimensions": 960, "sample": 0.0001, "weighted": False}
    # An axis the tuned configuration leaves out (at its neutral value) may be varied too.
    assert parse_variant("tail=1@0.0025,return_weight=0.5", tuned) == {"tail": "1@0.0025", "return_weight": 0.5}
    for text, message in (("dimensions", "write key=value"), ("sample=", "write key=value"),
                          ("dimension=960", "'dimension' is not an MP2V setting"),
                          ("dimensions=many", "dimensions needs a value like 768, not 'many'")):
        with pytest.raises(SystemExit, match=message):
            parse_variant(text, tuned)


def test_the_table_of_both_sizes_pairs_each_variant_with_the_configuration_as_tuned_at_its_size() -> None:
    def result(recall: list[float]) -> MethodResult:
        per_user = {"recall@20": np.array(recall), "ndcg@20": np.array(recall) / 2}
        return MethodResult("m", Stage.TEST, {}, {}, {k: float(v.mean()) for k, v in per_user.items()}, per_user,
                            np.arange(4), np.zeros((4, 1), np.int64))

    held_out = {"as tuned": result([0.5, 0.5, 0.5, 0.5]), "dimensions=640": result([0.7] * 4)}
    found = {"R-MP2V, larger": result([0.6] * 4), "R-MP2V, larger, dimensions=640": result([0.5] * 4)}
    table = sizes_table(found, held_out)
    row = next(line for line in table.splitlines() if line.startswith("| dimensions=640 |"))
    # ahead by 0.2 where the smaller fit is judged on its held-out rows, behind by 0.1 at the larger size
    assert "+0.2000" in row.split("|")[2] and "-0.1000" in row.split("|")[4]
    assert "| smaller on its held-out rows, as tuned | 0.5000 | 0.2500 |" in table
