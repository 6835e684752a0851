"""``mp2v study favourites``: the held-out-favourites protocol of the ThirtyMusic user-kNN study.

Each user with more than ``min_items`` items hides one of their 2nd-6th most played items (see
:mod:`mp2v.evaluation.favourites`); every method learns from the rest (MP2V's walks skip the hidden edges,
which are marked on the graph under their own ``holdout_<key>`` property) and is judged by hit rate@10.
UserKNN is compared with every other method by the study's two-sided t-test over 30 random 10 % subsamples
of the test users and by the paired per-user Wilcoxon test.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError
from mp2v.evaluation.favourites import (
    FavouritesSplit,
    hide_favourites,
    hits_at_k,
    subsample_hit_rates,
    subsample_indices,
    two_sided_t_test,
)
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.split import fingerprint
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.evaluate import EvaluationConfig, mp2v_specs
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.experiments.protocols import InteractionTable, mark_parts, read_interactions
from mp2v.experiments.study_common import Log
from mp2v.graph.model import GraphModel, read_model
from mp2v.models import make_baseline

REFERENCE = "UserKNN"
#: Display name -> registry name of the plain baselines (default hyperparameters).
BASELINES = {REFERENCE: "userknn", "popularity": "popularity", "iALS": "ials"}


@dataclass(frozen=True)
class FavouritesConfig:
    seed: int = 42
    methods: tuple[str, ...] = (REFERENCE, "MP2V", "R-MP2V", "item2vec", "popularity", "iALS")
    #: Users need more than this many distinct items.
    min_items: int = 10
    #: The hidden item is drawn from these popularity ranks of the user's own items (1 = most played).
    ranks: tuple[int, int] = (2, 6)
    k: int = 10
    subsamples: int = 30
    subsample_fraction: float = 0.1
    mp2v: EvaluationConfig = EvaluationConfig()
    reuse: bool = True


@dataclass
class FavouritesOutcome:
    model: GraphModel
    users: int
    hit_rates: dict[str, float]
    subsample_means: dict[str, float]
    tests: list[dict[str, Any]]
    timings: dict[str, dict[str, float]]
    seconds: float
    context: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def favourites_split(runner: QueryRunner, model: GraphModel, table: InteractionTable,
                     hidden: FavouritesSplit, seed: int) -> EvaluationSplit:
    """The hidden items as the test part of an :class:`EvaluationSplit`, marked on the graph for the walks."""
    prop = "holdout_" + hashlib.sha256(f"favourites seed={seed} test={fingerprint(hidden.test)}".encode()
                                       ).hexdigest()[:12]
    mark_parts(runner, model, table.user_ids, table.item_ids, prop, {"test": hidden.test})
    empty = sp.csr_matrix(hidden.test.shape, dtype=np.float32)
    return EvaluationSplit(
        protocol="favourites", dataset=model.dataset, seed=seed, user_ids=table.user_ids, item_ids=table.item_ids,
        tuning_train=hidden.train, final_train=hidden.train, validation=empty, test=hidden.test,
        tuning_walk_exclusions=("test",), final_walk_exclusions=("test",), holdout_property=prop)


def run_favourites(runner: QueryRunner, settings: Settings, config: FavouritesConfig, *, log: Log = print,
                   progress: bool = False) -> FavouritesOutcome:
    started = time.monotonic()
    known = {*BASELINES, "MP2V", "R-MP2V", "item2vec"}
    unknown = [m for m in config.methods if m not in known]
    if unknown:
        raise ConfigError(f"unknown favourites method(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    model = read_model(runner)
    table = read_interactions(runner, model)
    hidden = hide_favourites(table.matrix, min_items=config.min_items, ranks=config.ranks, seed=config.seed)
    split = favourites_split(runner, model, table, hidden, config.seed)
    log(f"{len(hidden.users)} users with more than {config.min_items} items each hide one of their "
        f"{config.ranks[0]}-{config.ranks[1]} most played")
    folder = settings.paths.home / "studies" / f"favourites-{model.dataset}-seed{config.seed}"
    experiment = Experiment(runner, split, model, RunStore(folder / "runs"), folder / "walks", progress=progress,
                            keep_gensim_models=False)
    fitters = _fitters(experiment, config)
    hits: dict[str, npt.NDArray[np.float64]] = {}
    timings: dict[str, dict[str, float]] = {}
    notes: dict[str, list[str]] = {}
    for name in config.methods:
        log(f"fitting {name}")
        fitted = fitters[name]()
        topk = top_k_batched(fitted.score, hidden.users, config.k, exclude=hidden.train, batch_size=512)
        hits[name] = hits_at_k(topk, hidden.hidden, config.k)
        timings[name], notes[name] = fitted.timings, fitted.notes
        log(f"  {name}: HR@{config.k} {hits[name].mean():.4f}")
    samples = subsample_indices(len(hidden.users), samples=config.subsamples, fraction=config.subsample_fraction,
                                seed=config.seed)
    rates = {name: subsample_hit_rates(values, samples) for name, values in hits.items()}
    reference = REFERENCE if REFERENCE in hits else config.methods[0]
    tests = []
    for name in (m for m in config.methods if m != reference):
        t, p = two_sided_t_test(rates[name], rates[reference])
        paired = paired_comparison(hits[name], hits[reference], seed=config.seed)
        tests.append({"a": name, "b": reference, "metric": f"hit_rate@{config.k}", "t_statistic": t,
                      "t_p_value": p, "subsample_mean_a": float(rates[name].mean()),
                      "subsample_mean_b": float(rates[reference].mean()), **asdict(paired)})
    context = {"dataset": model.dataset, "protocol": "held-out favourites", "seed": config.seed,
               "users": int(table.matrix.shape[0]), "items": int(table.matrix.shape[1]),
               "test_users": len(hidden.users), "min_items": config.min_items, "ranks": list(config.ranks),
               "k": config.k, "subsamples": config.subsamples, "subsample_fraction": config.subsample_fraction,
               "subsample_size": int(samples.shape[1])}
    return FavouritesOutcome(model, len(hidden.users), {n: float(v.mean()) for n, v in hits.items()},
                             {n: float(v.mean()) for n, v in rates.items()}, tests, timings,
                             time.monotonic() - started, context, notes)


def _fitters(experiment: Experiment, config: FavouritesConfig) -> dict[str, Callable[[], FittedMethod]]:
    specs = mp2v_specs(experiment.model, config.mp2v)
    stage = Stage.TEST

    def baseline(display: str, registry: str) -> Callable[[], FittedMethod]:
        return lambda: experiment.fit_baseline(display, make_baseline(registry), stage)

    def mp2v(name: str) -> Callable[[], FittedMethod]:
        return lambda: experiment.fit_mp2v(specs[name], stage, reuse=config.reuse)

    return {**{display: baseline(display, registry) for display, registry in BASELINES.items()},
            "MP2V": mp2v("MP2V"), "R-MP2V": mp2v("R-MP2V"),
            "item2vec": lambda: experiment.fit_item2vec(stage, config.mp2v.item2vec, reuse=config.reuse)}
