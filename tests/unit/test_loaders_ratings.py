"""Ratings + trust files as public datasets ship them (no header, whitespace-separated), checked against a
ground truth computed independently from generated rows (no server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loaders import csv_generic
from loaders.csv_generic import CsvConfig
from loaders.ratings import Aggregate, RatingRules
from loaders.rejects import Validation
from mp2v.errors import ConfigError


def _ratings(seed: int = 3, users: int = 12, items: int = 9, rows: int = 160) -> list[tuple[int, int, float, int]]:
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(users)), int(rng.integers(items)), float(rng.integers(1, 11)) / 2, t)
            for t in range(rows)]  # ratings 0.5 .. 5.0, many repeated pairs, timestamps in file order


def _write_ratings(path: Path, rows: list[tuple[int, int, float, int]], *, stamps: bool = False) -> Path:
    # Mixed runs of spaces and tabs, as hand-made files have them.
    lines = [f"{u}  {i}\t{r}" + (f" {t}" if stamps else "") for u, i, r, t in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _expected(rows: list[tuple[int, int, float, int]], rules: RatingRules) -> dict[tuple[int, int], float]:
    grouped: dict[tuple[int, int], list[float]] = {}
    for user, item, rating, _ in rows:
        grouped.setdefault((user, item), []).append(rating)
    merged = {"sum": sum, "mean": lambda v: sum(v) / len(v), "last": lambda v: v[-1], "max": max}
    out = {}
    for pair, values in grouped.items():
        value = merged[str(rules.aggregate)](values)
        value = min(value, rules.scale_max) if rules.scale_max is not None else value
        if rules.positive_threshold is None or value >= rules.positive_threshold:
            out[pair] = value
    return out


@pytest.mark.parametrize("aggregate", list(Aggregate))
@pytest.mark.parametrize("threshold", [None, 3.5])
def test_headerless_whitespace_ratings_match_ground_truth(tmp_path: Path, aggregate: Aggregate,
                                                          threshold: float | None) -> None:
    rows = _ratings()
    rules = RatingRules(aggregate=aggregate, positive_threshold=threshold, scale_max=5.0)
    config = CsvConfig(interactions=_write_ratings(tmp_path / "ratings.txt", rows), header=False,
                       delimiter="whitespace", ratings=rules)
    plan = csv_generic.build_plan(config, Validation(tmp_path / "r"))
    edges = plan.relationships[0].frame
    got = {(int(s), int(e)): float(r) for s, e, r in edges[["start", "end", "raw"]].itertuples(index=False)}
    want = _expected(rows, rules)
    assert got.keys() == want.keys()
    assert np.allclose([got[k] for k in sorted(want)], [want[k] for k in sorted(want)])
    assert edges["raw"].max() <= 5.0
    assert plan.files[0].rejected == 0 and plan.files[0].rows == len(rows)
    positive_users = sorted({u for u, _ in want})
    assert plan.nodes[0].frame["id"].tolist() == positive_users


def test_last_follows_timestamps_not_line_order(tmp_path: Path) -> None:
    rows = [(1, 2, 4.0, 30), (1, 2, 1.0, 10), (1, 3, 2.0, 5)]
    config = CsvConfig(interactions=_write_ratings(tmp_path / "r.txt", rows, stamps=True), header=False,
                       delimiter="whitespace", columns=csv_generic.CsvColumns(timestamp="4"),
                       ratings=RatingRules(aggregate=Aggregate.LAST))
    edges = csv_generic.build_plan(config, Validation(tmp_path / "r")).relationships[0].frame
    assert edges[["start", "end", "raw", "ts"]].values.tolist() == [[1, 2, 4.0, 30], [1, 3, 2.0, 5]]


@pytest.mark.parametrize("symmetric", [False, True])
def test_symmetric_trust_edges_between_positive_users(tmp_path: Path, symmetric: bool) -> None:
    rows = _ratings()
    rules = RatingRules(aggregate=Aggregate.MAX, positive_threshold=4.5)
    rng = np.random.default_rng(7)
    trust = {(int(a), int(b)) for a, b in rng.integers(0, 12, size=(40, 2)) if a != b}
    (tmp_path / "trust.txt").write_text("".join(f"{a} {b} 1\n" for a, b in sorted(trust)))
    config = CsvConfig(interactions=_write_ratings(tmp_path / "ratings.txt", rows), header=False,
                       delimiter="whitespace", follows=tmp_path / "trust.txt", symmetric_follows=symmetric,
                       ratings=rules)
    plan = csv_generic.build_plan(config, Validation(tmp_path / "r"))
    positive = {u for u, _ in _expected(rows, rules)}
    want = trust | {(b, a) for a, b in trust} if symmetric else trust
    want = {(a, b) for a, b in want if a in positive and b in positive}
    follows = plan.relationships[1].frame
    assert set(map(tuple, follows.values.tolist())) == want and len(follows) == len(want)
    assert plan.model.options["symmetric_follows"] == str(symmetric)


def test_headerless_bad_rows_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("1 2 3\n1 x 4\n2 3\n4 5 6 7\n5 6 2\n")
    plan = csv_generic.build_plan(CsvConfig(interactions=path, header=False, delimiter="whitespace"),
                                  Validation(tmp_path / "r"))
    assert plan.files[0].rejects["line"].tolist() == [2, 3, 4]
    assert plan.relationships[0].frame[["start", "end"]].values.tolist() == [[1, 2], [5, 6]]


def test_rating_rules_refuse_impossible_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="above --rating-max"):
        RatingRules(positive_threshold=6, scale_max=5)
    with pytest.raises(ConfigError, match="sum, mean, last or max"):
        RatingRules(aggregate="median")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="whitespace"):
        CsvConfig(interactions=tmp_path / "x", delimiter="::")


@pytest.mark.parametrize(("rules", "transform", "formula"), [
    (RatingRules(), "raw", "sum(weight)"),
    (RatingRules(aggregate=Aggregate.LAST, scale_max=4.0), "raw", "min(last(weight), 4)"),
    (RatingRules(aggregate=Aggregate.MEAN, scale_max=5.0), "log1p", "log1p(min(mean(weight), 5))"),
    (RatingRules(aggregate=Aggregate.MAX), "binary", "1"),
])
def test_the_stated_weight_formula_follows_the_rating_rules(tmp_path: Path, rules: RatingRules, transform: str,
                                                           formula: str) -> None:
    config = CsvConfig(interactions=tmp_path / "ratings.txt", ratings=rules, weight_transform=transform)
    assert config.model().weight_formula == formula


@pytest.mark.parametrize("rules", [RatingRules(), RatingRules(Aggregate.MAX, positive_threshold=3.5, scale_max=5),
                                   RatingRules(Aggregate.LAST, scale_max=10)])
def test_recorded_rules_read_back_as_loaded(rules: RatingRules) -> None:
    assert RatingRules.from_options(rules.options()) == rules
    assert RatingRules.from_options({}) == RatingRules()  # a graph loaded before the rules were recorded


def test_only_a_delta_into_a_loaded_graph_may_leave_out_interactions(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="give the interactions file"):
        csv_generic.build_plan(CsvConfig(interactions=None), Validation(tmp_path / "r"))
