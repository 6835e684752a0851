"""Choosing MP2V's configuration by the mean of several seeds (benchmark.finalists), on hand-worked scores."""

from __future__ import annotations

from typing import Any

import pytest

from mp2v.experiments.benchmark.config import SearchResult
from mp2v.experiments.benchmark.finalists import (
    SEED_OFFSET,
    candidates,
    choose,
    mean_metrics,
    revalidate,
    seed_group,
)
from mp2v.experiments.benchmark.space import SearchSpace, canonical
from mp2v.experiments.benchmark.trials import Trial


def trial(params: dict[str, Any], recall: float, ndcg: float = 0.0) -> Trial:
    return Trial("MP2V", "validation", canonical(params), {"recall@20": recall, "ndcg@20": ndcg}, 1.0,
                 repr(sorted(canonical(params).items())))


def test_candidates_are_distinct_single_seed_configurations_best_first() -> None:
    trials = [trial({"dim": 128}, 0.20), trial({"dim": 256}, 0.26), trial({"dim": 128}, 0.20),
              trial({"dim": 512}, 0.25), trial({"dim": 256, "seeds": 4}, 0.30),
              trial({"dim": 64, SEED_OFFSET: 1}, 0.40), trial({"dim": 64}, 0.10)]
    assert candidates(trials, 3) == [{"dim": 256}, {"dim": 512}, {"dim": 128}]
    assert candidates(trials, 1) == [{"dim": 256}]


def test_params_that_train_the_same_model_are_one_finalist() -> None:
    # A schedule overrides epochs, so epochs=3 under schedule "20x3" is the same model as epochs=5 under it.
    def model_of(params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "epochs": 3} if params.get("schedule") == "20x3" else params

    trials = [trial({"schedule": "20x3", "epochs": 5}, 0.26), trial({"schedule": "20x3", "epochs": 3}, 0.26),
              trial({"schedule": None, "epochs": 5}, 0.25), trial({"schedule": None, "epochs": 3}, 0.24)]
    assert candidates(trials, 3, model_of) == [{"schedule": "20x3", "epochs": 5}, {"schedule": None, "epochs": 5},
                                               {"schedule": None, "epochs": 3}]
    # Without the rule both spellings of the one model would take a finalist's place.
    assert candidates(trials, 2) == [{"schedule": "20x3", "epochs": 5}, {"schedule": "20x3", "epochs": 3}]


def test_a_tie_keeps_the_search_s_order() -> None:
    trials = [trial({"dim": 128}, 0.25), trial({"dim": 256}, 0.25)]
    assert candidates(trials, 2) == [{"dim": 128}, {"dim": 256}]
    assert choose(trials, [{"dim": 128}, {"dim": 256}]) == {"dim": 128}


def test_seed_group_and_mean_metrics() -> None:
    trials = [trial({"dim": 128}, 0.20, 0.10), trial({"dim": 128, SEED_OFFSET: 2}, 0.26, 0.16),
              trial({"dim": 256, SEED_OFFSET: 1}, 0.9), trial({"dim": 128, SEED_OFFSET: 1}, 0.23, 0.13)]
    group = seed_group(trials, {"dim": 128})
    assert [t.params.get(SEED_OFFSET, 0) for t in group] == [0, 1, 2]
    assert mean_metrics(group) == pytest.approx({"recall@20": 0.23, "ndcg@20": 0.13})


def test_the_luckiest_trial_loses_to_the_best_mean() -> None:
    """A scores 0.30 once and 0.20 / 0.22 at other seeds (mean 0.24); B scores 0.28, 0.27, 0.26 (0.27)."""
    trials = [trial({"c": "A"}, 0.30), trial({"c": "B"}, 0.28),
              trial({"c": "A", SEED_OFFSET: 1}, 0.20), trial({"c": "A", SEED_OFFSET: 2}, 0.22),
              trial({"c": "B", SEED_OFFSET: 1}, 0.27), trial({"c": "B", SEED_OFFSET: 2}, 0.26)]
    assert choose(trials, [{"c": "A"}, {"c": "B"}]) == {"c": "B"}


def test_revalidate_runs_the_extra_seeds_and_moves_the_edges_to_the_choice() -> None:
    noise = {0: 0.03, 1: -0.01, 2: -0.01}  # seed 0 flatters dimension 512 only
    space = SearchSpace({"dim": 256}, [("dim", [128, 256, 512])])

    def validate(params: dict[str, Any]) -> Trial:
        offset = int(params.get(SEED_OFFSET, 0))
        base = {128: 0.20, 256: 0.26, 512: 0.25}[params["dim"]]
        return trial(params, base + (noise[offset] if params["dim"] == 512 else 0.0))

    search = SearchResult("MP2V", {"dim": 512}, [validate({"dim": d}) for d in (256, 128, 512)], ["dim"], space)
    lines: list[str] = []
    best = revalidate(search, validate, count=2, seeds=3, log=lines.append)
    assert best == {"dim": 256} and search.at_edge == []
    offsets = sorted((t.params["dim"], t.params.get(SEED_OFFSET, 0)) for t in search.trials)
    assert offsets == [(128, 0), (256, 0), (256, 1), (256, 2), (512, 0), (512, 1), (512, 2)]
    assert lines[-1] == "  MP2V chosen by the mean of 3 seeds: R@20 0.2600 N@20 0.0000"


def test_revalidate_is_off_below_two_finalists_or_seeds() -> None:
    search = SearchResult("MP2V", {"dim": 512}, [trial({"dim": 512}, 0.3)])

    def validate(params: dict[str, Any]) -> Trial:
        raise AssertionError("no trial expected")

    assert revalidate(search, validate, count=1, seeds=3, log=print) == {"dim": 512}
    assert revalidate(search, validate, count=3, seeds=1, log=print) == {"dim": 512}


def test_the_report_lists_each_finalist_s_seeds_and_marks_the_choice() -> None:
    from types import SimpleNamespace

    from mp2v.experiments.benchmark.report import finalist_table

    trials = [trial({"c": "A"}, 0.30, 0.2), trial({"c": "B"}, 0.28, 0.2), trial({"c": "C"}, 0.1),
              trial({"c": "A", SEED_OFFSET: 1}, 0.20, 0.2), trial({"c": "B", SEED_OFFSET: 1}, 0.26, 0.2),
              trial({"c": "B", "seeds": 4}, 0.31, 0.2),
              # One seed that outscores both finalists' means but was not re-validated (as a configuration that
              # trains the same model as a finalist is not): it is no finalist, so the choice stays B.
              trial({"c": "D"}, 0.29, 0.2)]
    # The chosen ensemble may carry more than the finalist (its size; the type-aware trainer, validated after).
    search = SearchResult("MP2V", {"c": "B", "seeds": 4, "trainer": "numba-typed"}, trials)
    table = finalist_table(SimpleNamespace(searches={"MP2V": search}))  # type: ignore[arg-type]
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, B (mean 0.27) above A (mean 0.25); C and D had one seed
    assert "c=B" in lines[2] and "0.2800 / 0.2600" in lines[2] and "0.2700" in lines[2] and "yes" in lines[2]
    assert "c=A" in lines[3] and "0.2500" in lines[3] and "yes" not in lines[3]
    empty = SearchResult("MP2V", {"c": "A"}, trials[:3])
    assert "No configuration" in finalist_table(SimpleNamespace(searches={"MP2V": empty}))  # type: ignore[arg-type]
