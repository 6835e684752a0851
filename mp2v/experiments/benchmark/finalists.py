"""Choosing MP2V's single configuration by the mean of several seeds, not by its luckiest trial.

The coordinate search keeps whichever trial scored highest on validation. One gensim run of a configuration
moves by 0.002-0.015 Recall@20 between seeds (two worker threads, random walks), as much as the
search's last steps gain, so the highest trial is partly the luckiest one (the winner's curse): two fast
runs of the same command chose different configurations at equal validation that were 0.009 apart on test
(docs/benchmark.md). Re-validating the ``count`` best configurations with ``seeds`` seeds each and keeping
the best mean,

    chosen = argmax_c  (1 / S) sum_s  [Recall@20 + NDCG@20](c, seed 42 + s),   s = 0 .. S-1,

costs (count x (S - 1)) trials, and the extra seeds are the ensembles' own members (seed offset s is member
s of a seed ensemble, stored under its name; runs before 2026-12-07 stored them apart and trained them
twice), so the ensemble trials that follow reuse the chosen finalist's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mp2v.experiments.benchmark.config import SearchResult
from mp2v.experiments.benchmark.space import SEED_OFFSET
from mp2v.experiments.benchmark.trials import Trial


def is_search_trial(trial: Trial) -> bool:
    """A trial of one model at the search's own seed (not a finalist's extra seed, not an ensemble)."""
    return SEED_OFFSET not in trial.params and "seeds" not in trial.params


def candidates(trials: list[Trial], count: int,
               model_of: Callable[[dict[str, Any]], Any] = dict) -> list[dict[str, Any]]:
    """The params of the ``count`` best single-seed configurations among ``trials``, best first (ties keep the
    search's order, so the search's own choice leads). Params for which ``model_of`` gives the same value
    train the same model (an axis another one overrides, as ``schedule`` overrides ``epochs``) and count once."""
    single = [t for t in trials if is_search_trial(t)]
    ranked = sorted(enumerate(single), key=lambda pair: (-pair[1].score(), pair[0]))
    chosen: list[dict[str, Any]] = []
    models: list[Any] = []
    for _, trial in ranked:
        if model_of(trial.params) not in models:
            chosen.append(trial.params)
            models.append(model_of(trial.params))
        if len(chosen) == count:
            break
    return chosen


def seed_group(trials: list[Trial], params: dict[str, Any]) -> list[Trial]:
    """The trials of ``params`` at every seed offset recorded, one per offset (offset 0 first)."""
    by_offset: dict[int, Trial] = {}
    for trial in trials:
        offset = int(trial.params.get(SEED_OFFSET, 0))
        if {k: v for k, v in trial.params.items() if k != SEED_OFFSET} == params:
            by_offset.setdefault(offset, trial)
    return [by_offset[offset] for offset in sorted(by_offset)]


def mean_metrics(group: list[Trial]) -> dict[str, float]:
    """The mean of each validation metric over a configuration's seeds."""
    keys = set.intersection(*(set(t.metrics) for t in group)) if group else set()
    return {key: sum(t.metrics[key] for t in group) / len(group) for key in sorted(keys)}


def mean_score(group: list[Trial]) -> float:
    """The mean over a configuration's seeds of what validation chooses by (Trial.score)."""
    return sum(t.score() for t in group) / len(group)


def choose(trials: list[Trial], finalists: list[dict[str, Any]]) -> dict[str, Any]:
    """The finalist with the best mean validation score over its seeds (ties: the earlier finalist)."""
    if not finalists:
        raise ValueError("choose needs at least one finalist")
    return max(finalists, key=lambda params: (mean_score(seed_group(trials, params)), -finalists.index(params)))


def revalidate(search: SearchResult, validate: Callable[[dict[str, Any]], Trial], count: int, seeds: int,
               log: Callable[[str], None], model_of: Callable[[dict[str, Any]], Any] = dict) -> dict[str, Any]:
    """The search's ``count`` best configurations (distinct models, see :func:`candidates`) validated at
    ``seeds`` seeds each; returns the best mean. The new trials join ``search.trials`` and ``search.at_edge``
    becomes the choice's. Fewer than 2 finalists or seeds: the search's own choice."""
    if count < 2 or seeds < 2:
        return dict(search.best)
    finalists = candidates(search.trials, count, model_of)
    log(f"the {len(finalists)} best MP2V configurations again, {seeds} seeds each")
    for params in finalists:
        search.trials += [validate({**params, SEED_OFFSET: offset}) for offset in range(1, seeds)]
    best = choose(search.trials, finalists)
    if search.space is not None:
        search.at_edge = search.space.at_edge(best)
    mean = mean_metrics(seed_group(search.trials, best))
    log(f"  MP2V chosen by the mean of {seeds} seeds: R@20 {mean['recall@20']:.4f} N@20 {mean['ndcg@20']:.4f}")
    return dict(best)
