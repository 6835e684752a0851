"""Turn flat hyperparameter dicts into fitted methods: baselines, the production baseline, MP2V ensembles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from mp2v.errors import ConfigError
from mp2v.evaluation.stages import Stage
from mp2v.experiments.experiment import Experiment, FittedMethod, Mp2vSpec
from mp2v.graph.metapath import Metapath, parse_metapath
from mp2v.graph.model import GraphModel
from mp2v.models import make_baseline
from mp2v.models.item2vec import Item2VecParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.torch_options import TorchOptions
from mp2v.types import IndexArray
from mp2v.walks.config import WalkConfig
from mp2v.walks.run import default_metapath

#: Extra metapaths get half the walks of the main one (the notes' tag walks: "half as many").
EXTRA_WALK_SHARE = 0.5


def metapaths_for(model: GraphModel, mix: str, walks_per_node: int,
                  extra_share: float = EXTRA_WALK_SHARE) -> tuple[Metapath, ...]:
    """``uiu`` plus optional ``features`` (through tags/categories) and ``follows`` metapaths, each with
    ``extra_share`` x the main metapath's walks per node."""
    u, i, t = model.user_label, model.item_label, model.interaction_type
    extra = max(1, round(walks_per_node * extra_share))
    paths = [default_metapath(model)]
    parts = mix.split("+")
    if parts[0] != "uiu" or not set(parts[1:]) <= {"features", "follows"}:
        raise ConfigError(f"metapath mix {mix!r}: write uiu[+features][+follows]")
    if "features" in parts:
        if not model.feature_label or not model.feature_type:
            raise ConfigError(f"dataset {model.dataset} has no item features for a 'features' metapath")
        f, ft = model.feature_label, model.feature_type
        paths.append(parse_metapath(f"{u}-{t}->{i}-{ft}->{f}<-{ft}-{i}<-{t}-{u}@{extra}"))
    if "follows" in parts:
        paths.append(parse_metapath(f"{u}-{model.follow_type}->{u}-{t}->{i}<-{t}-{u}@{extra}"))
    return tuple(paths)


def apply_schedule(params: dict[str, Any]) -> dict[str, Any]:
    """``schedule`` "WxE@A" sets walks per node, epochs and alpha together (see MP2V_SPACE)."""
    schedule = params.get("schedule")
    if not schedule:
        return params
    walks, rest = str(schedule).split("x")
    epochs, alpha = rest.split("@")
    return {**params, "walks_per_node": int(walks), "epochs": int(epochs), "alpha": float(alpha)}


def tail_of(params: dict[str, Any]) -> tuple[int, float]:
    """``tail`` "E@A": E epochs more after the schedule, restarting at learning rate A (TrainConfig's
    tail_epochs / tail_alpha); absent or None: no tail."""
    tail = params.get("tail")
    if not tail:
        return 0, TrainConfig.tail_alpha
    epochs, sep, alpha = str(tail).partition("@")
    try:
        return int(epochs), float(alpha)
    except ValueError:
        raise ConfigError(f"tail {tail!r}: write <epochs>@<learning rate>, e.g. 1@0.0025") from None


def mp2v_spec(model: GraphModel, params: dict[str, Any], seed: int, name: str) -> Mp2vSpec:
    params = apply_schedule(params)
    tail_epochs, tail_alpha = tail_of(params)
    walk = WalkConfig(
        metapaths=metapaths_for(model, params["metapaths"], params["walks_per_node"],
                                float(params.get("extra_walk_share", EXTRA_WALK_SHARE))),
        walks_per_node=params["walks_per_node"], walk_length=params["walk_length"], start=params["start"],
        weighted=params["weighted"], seed=seed, return_weight=float(params.get("return_weight", 1.0)))
    train = TrainConfig(dimensions=params["dimensions"], window=params["window"], negative=params["negative"],
                        ns_exponent=params["ns_exponent"], epochs=params["epochs"], alpha=params["alpha"],
                        sample=params["sample"], seed=seed, workers=2,
                        freeze_initialised=params.get("init") == "item2vec-frozen",
                        tail_epochs=tail_epochs, tail_alpha=tail_alpha)
    return Mp2vSpec(name, walk, train, scoring=params["scoring"],
                    initialise_from_item2vec=params.get("init", "random") != "random",
                    trainer=params.get("trainer", "gensim"),
                    interaction_pairs=int(params.get("interaction_pairs", 0)),
                    torch=TorchOptions(device=params.get("device", "auto"), processes=params.get("processes", 1)))


def standardised_log_popularity(train: Any) -> np.ndarray:
    """Each item's log(1 + training interactions), standardised over the catalogue (float32)."""
    log_pop = np.log1p(np.asarray((train != 0).sum(axis=0)).ravel().astype(np.float64))
    return ((log_pop - log_pop.mean()) / (log_pop.std() or 1.0)).astype(np.float32)


def with_popularity_prior(fitted: FittedMethod, train: Any, strength: float) -> FittedMethod:
    """Scores standardised per user, plus ``strength`` x the standardised log popularity of each item in the
    stage's training rows: a prior on popularity whose strength validation tunes (0 = the model alone).
    Standardising first makes ``strength`` mean the same for dot, cosine and summed ensemble scores."""
    prior = standardised_log_popularity(train)
    inner = fitted.score

    def score(users: IndexArray) -> np.ndarray:
        raw = inner(users).astype(np.float32)
        finite = np.isfinite(raw)  # cold items score -inf: they stay out of the statistics and stay -inf
        values = np.where(finite, raw, np.nan)
        centre = np.nan_to_num(np.nanmean(values, axis=1, keepdims=True))
        spread = np.nan_to_num(np.nanstd(values, axis=1, keepdims=True), nan=1.0)
        spread[spread == 0] = 1.0
        return np.where(finite, (raw - centre) / spread + strength * prior, raw).astype(np.float32)

    return replace(fitted, score=score, params={**fitted.params, "popularity_prior": strength})


def summed_scores(members: list[FittedMethod]) -> Callable[[IndexArray], np.ndarray]:
    """A seed ensemble's scores: the members' scores summed (in float64, returned as float32)."""

    def score(users: IndexArray) -> np.ndarray:
        total = members[0].score(users).astype(np.float64)
        for member in members[1:]:
            total += member.score(users)
        return total.astype(np.float32)

    return score


#: The name the benchmark stores its MP2V fits under (member k as ``MP2V-search-s<k>``); probes that reuse the
#: benchmark's runs fit under it too.
MP2V_FIT_NAME = "MP2V-search"


def fit_mp2v(experiment: Experiment, params: dict[str, Any], stage: Stage, *, name: str,
             seed: int = 42, first_member: int = 0) -> FittedMethod:
    """One model, or a seed ensemble (``params['seeds']`` models whose scores are summed), with an optional
    popularity prior (``params['popularity_prior']``; the models are the same, so it costs no training).
    Member k is stored as ``<name>-s<k>`` and seeded ``seed + k``, counting from ``first_member``: one model at
    ``first_member`` n is member n of the seed ensembles of the same settings (they reuse it)."""
    fitted = _fit_mp2v(experiment, params, stage, name=name, seed=seed, first_member=first_member)
    strength = float(params.get("popularity_prior", 0.0))
    if strength == 0.0:
        return fitted
    return with_popularity_prior(fitted, experiment.split.stage(stage).train, strength)


def _fit_mp2v(experiment: Experiment, params: dict[str, Any], stage: Stage, *, name: str,
              seed: int = 42, first_member: int = 0) -> FittedMethod:
    offsets = range(first_member, first_member + int(params.get("seeds", 1)))
    members = [experiment.fit_mp2v(mp2v_spec(experiment.model, params, seed + offset, f"{name}-s{offset}"), stage,
                                   reuse=True) for offset in offsets]
    if len(members) == 1:
        only = members[0]
        return replace(only, name=name)

    timings = {key: sum(m.timings.get(key, 0.0) for m in members) for key in ("walks", "train", "fit")}
    return FittedMethod(name, summed_scores(members), {"members": [m.params for m in members]}, timings,
                        run=members[0].run, notes=members[0].notes)


def fit_baseline(experiment: Experiment, registry_name: str, params: dict[str, Any], stage: Stage,
                 *, name: str) -> FittedMethod:
    started = time.monotonic()
    fitted = experiment.fit_baseline(name, make_baseline(registry_name, **params), stage)
    fitted.timings = {"fit": time.monotonic() - started}
    return fitted


def seed_ensemble(fit_one: Callable[[dict[str, Any], Stage], FittedMethod], params: dict[str, Any], stage: Stage,
                  *, name: str, seed_field: str) -> FittedMethod:
    """``params['seeds']`` fits by ``fit_one`` (``seed_field`` 0, 1, ...) whose scores are summed."""
    size = int(params.get("seeds", 1))
    single = {k: v for k, v in params.items() if k != "seeds"}
    members = [fit_one({**single, seed_field: offset}, stage) for offset in range(size)]
    timings = {"fit": sum(m.timings.get("fit", 0.0) for m in members)}
    return FittedMethod(f"{name} x{size}", summed_scores(members), {"members": size, **single}, timings)


def fit_baseline_ensemble(experiment: Experiment, registry_name: str, params: dict[str, Any], stage: Stage,
                          *, name: str, seed_field: str) -> FittedMethod:
    """A seed ensemble of a registry baseline (see :func:`seed_ensemble`)."""
    def fit_one(member: dict[str, Any], member_stage: Stage) -> FittedMethod:
        return fit_baseline(experiment, registry_name, member, member_stage, name=name)

    return seed_ensemble(fit_one, params, stage, name=name, seed_field=seed_field)


def fit_production(experiment: Experiment, params: dict[str, Any], stage: Stage, *, name: str) -> FittedMethod:
    return experiment.fit_item2vec(stage, Item2VecParams(**params), name=name, reuse=True)
