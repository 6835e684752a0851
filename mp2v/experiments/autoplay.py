"""``mp2v study autoplay``: item-to-item quality of every method's item vectors on held-out co-consumption.

Every method learns from the split's final training rows (train + validation; KuaiRec: the big matrix) and is
judged on the held-out test interactions (see :mod:`mp2v.evaluation.item_pairs`): AUC-ROC of co-consumed
pairs against random pairs, and Recall@K / NDCG@K of each query item's neighbour list. Methods are entries of
:data:`ITEM_VECTOR_METHODS` (name -> function of an :class:`AutoplayContext`), EGES and its mean variant GES
among them; another method is added with :func:`register_item_vector_method` and is then compared like the
others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.common.files import read_json, write_json
from mp2v.common.hashing import content_hash
from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError, EvaluationError
from mp2v.evaluation.item_pairs import (
    ItemPairs,
    held_out_pairs,
    neighbour_lists,
    pair_cosines,
    positive_auc_contributions,
)
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.eges_split import fit_split_eges
from mp2v.experiments.evaluate import EvaluationConfig, make_split, mp2v_specs
from mp2v.experiments.experiment import Experiment
from mp2v.experiments.study_common import Log, MethodVectors, load_vectors, save_vectors
from mp2v.graph.co_consumed import delete_item_graph
from mp2v.graph.model import GraphModel, read_model
from mp2v.models.eges import Aggregation
from mp2v.models.item_graph import ItemGraphParams, ItemVectors, fit_item_graph
from mp2v.walks.config import HoldoutExclusion

PRODUCTION = "item2vec"
ITEM_GRAPH = "item graph"
EGES_METHOD, GES_METHOD = "EGES", "GES (mean)"
SIDE_METHODS = (EGES_METHOD, GES_METHOD)


@dataclass(frozen=True)
class AutoplayConfig:
    seed: int = 42
    methods: tuple[str, ...] = ("MP2V", "R-MP2V", PRODUCTION, ITEM_GRAPH, EGES_METHOD, GES_METHOD)
    ks: tuple[int, ...] = (10, 20)
    max_pairs_per_user: int = 50
    max_pairs: int = 100_000
    #: Query items whose neighbour lists are judged (a seeded sample of the items in positive pairs).
    max_queries: int = 5_000
    item_graph: ItemGraphParams = ItemGraphParams()
    #: MP2V / R-MP2V walks and skip-gram (the defaults of ``mp2v evaluate``).
    mp2v: EvaluationConfig = EvaluationConfig()
    reuse: bool = True


@dataclass
class AutoplayContext:
    """What a method needs to produce item vectors for the study's test stage."""

    runner: QueryRunner
    model: GraphModel
    split: EvaluationSplit
    experiment: Experiment
    config: AutoplayConfig
    folder: Path
    log: Log
    stage: Stage = Stage.TEST


ItemVectorMethod = Callable[[AutoplayContext], MethodVectors]


def _mp2v(name: str) -> ItemVectorMethod:
    def fit(context: AutoplayContext) -> MethodVectors:
        spec = mp2v_specs(context.model, context.config.mp2v)[name]
        fitted = context.experiment.fit_mp2v(spec, context.stage, reuse=context.config.reuse)
        if fitted.run is None:
            raise EvaluationError(f"{name}: the fit stored no run, so there are no item vectors to compare")
        return MethodVectors(name, ItemVectors.from_embeddings(fitted.run.embeddings), fitted.params,
                             fitted.timings, fitted.notes)
    return fit


def _item2vec(context: AutoplayContext) -> MethodVectors:
    started = time.monotonic()
    model = context.experiment.item2vec(context.stage, context.config.mp2v.item2vec)
    vectors = ItemVectors.from_columns(context.split.item_ids, model.item_vectors, model.item_in_vocabulary)
    return MethodVectors(PRODUCTION, vectors, asdict(model.params), {"fit": time.monotonic() - started})


def _item_graph(context: AutoplayContext) -> MethodVectors:
    data = context.split.stage(context.stage)
    exclusion = HoldoutExclusion(context.split.holdout_property, data.walk_exclusions)
    params = context.config.item_graph
    try:
        result = fit_item_graph(context.runner, context.model, params, exclusion=exclusion)
    finally:  # the item graph is a by-product of this split: leave the dataset's graph as it was
        delete_item_graph(context.runner, context.model, params.graph)
    notes = [f"item graph: {result.graph.edges} {result.graph.rel_type} edges over {result.graph.items} items, "
             f"{result.walks} walks"]
    return MethodVectors(ITEM_GRAPH, result.vectors, _plain_params(params), result.timings, notes)


def _eges(name: str, aggregation: Aggregation) -> ItemVectorMethod:
    def fit(context: AutoplayContext) -> MethodVectors:
        vectors, params, timings = fit_split_eges(context.runner, context.model, context.split, context.stage,
                                                  context.config.mp2v, aggregation)
        return MethodVectors(name, vectors, params, timings)
    return fit


#: Method name -> how it makes item vectors. Register more with :func:`register_item_vector_method`.
ITEM_VECTOR_METHODS: dict[str, ItemVectorMethod] = {
    "MP2V": _mp2v("MP2V"), "R-MP2V": _mp2v("R-MP2V"), PRODUCTION: _item2vec, ITEM_GRAPH: _item_graph,
    EGES_METHOD: _eges(EGES_METHOD, Aggregation.ATTENTION), GES_METHOD: _eges(GES_METHOD, Aggregation.MEAN),
}


def register_item_vector_method(name: str, method: ItemVectorMethod) -> None:
    """Add (or replace) a method of the autoplay study; ``--method NAME`` then selects it."""
    ITEM_VECTOR_METHODS[name] = method


@dataclass
class AutoplayOutcome:
    model: GraphModel
    split: EvaluationSplit
    pairs: ItemPairs
    queries: int
    metrics: dict[str, dict[str, float]]
    tests: list[dict[str, Any]]
    methods: list[MethodVectors]
    seconds: float
    context: dict[str, Any] = field(default_factory=dict)


def run_autoplay(runner: QueryRunner, settings: Settings, config: AutoplayConfig, *, log: Log = print,
                 progress: bool = False) -> AutoplayOutcome:
    """Fit every method of ``config.methods`` on the final training rows and judge its item vectors."""
    unknown = [name for name in config.methods if name not in ITEM_VECTOR_METHODS]
    if unknown:
        raise ConfigError(f"unknown autoplay method(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(ITEM_VECTOR_METHODS)}")
    started = time.monotonic()
    model = read_model(runner)
    split = make_split(runner, model, settings, EvaluationConfig(seed=config.seed))
    folder = settings.paths.home / "studies" / f"autoplay-{model.dataset}-seed{config.seed}"
    experiment = Experiment(runner, split, model, RunStore(folder / "runs"), folder / "walks", progress=progress,
                            keep_gensim_models=False)
    context = AutoplayContext(runner, model, split, experiment, config, folder, log)
    data = split.stage(Stage.TEST)
    eligible = np.asarray((data.train != 0).sum(axis=0)).ravel() > 0
    if split.candidate_items is not None:
        eligible &= split.candidate_items
    pairs = held_out_pairs(data.truth, eligible, max_pairs_per_user=config.max_pairs_per_user,
                           max_pairs=config.max_pairs, seed=config.seed)
    if len(pairs.positives) == 0:
        raise EvaluationError("no held-out co-consumption pair: no user has two held-out items that were also "
                              "trained on; load more interactions per user")
    log(f"{len(pairs.positives)} held-out co-consumption pairs, {len(pairs.negatives)} random pairs")
    # EGES / GES need side information; a dataset without it (a CSV with no --features) runs the rest.
    methods = [name for name in config.methods if name not in SIDE_METHODS or model.feature_type]
    for name in sorted(set(config.methods) - set(methods)):
        log(f"{name}: skipped, dataset {model.dataset!r} has no side information")
    fitted = [_cached(context, name) for name in methods]
    queries = np.unique(pairs.positives)
    if queries.size > config.max_queries:
        queries = np.sort(np.random.default_rng(config.seed).choice(queries, config.max_queries, replace=False))
    truth = pairs.query_truth[queries]
    metrics: dict[str, dict[str, float]] = {}
    per_item: dict[str, dict[str, np.ndarray]] = {}
    for method in fitted:
        vectors, known = method.vectors.aligned(split.item_ids)
        positive_scores = pair_cosines(vectors, pairs.positives)
        positive = positive_auc_contributions(positive_scores, pair_cosines(vectors, pairs.negatives))
        matched = positive_auc_contributions(positive_scores, pair_cosines(vectors, pairs.matched))
        lists = neighbour_lists(vectors, queries, max(config.ks), eligible & known)
        report = evaluate_topk(lists, truth, config.ks)
        both = known[pairs.positives].all(axis=1)
        metrics[method.name] = {"auc": float(positive.mean()), "auc_matched": float(matched.mean()), **report.means,
                                "pairs_with_vectors": float(both.mean()), "items_with_vectors": float(known.mean())}
        per_item[method.name] = {"auc": positive, "auc_matched": matched, **{k: v for k, v in report.per_user.items()}}
        log(f"  {method.name}: AUC {positive.mean():.4f} (matched negatives {matched.mean():.4f}), "
            + ", ".join(f"R@{k} {report.means[f'recall@{k}']:.4f}" for k in config.ks))
    reference = PRODUCTION if PRODUCTION in metrics else fitted[0].name
    tests = []
    for other in (m.name for m in fitted if m.name != reference):
        for metric in ("auc", "auc_matched", f"recall@{min(config.ks)}", f"ndcg@{min(config.ks)}"):
            result = paired_comparison(per_item[other][metric], per_item[reference][metric], seed=config.seed)
            tests.append({"a": other, "b": reference, "metric": metric, **asdict(result)})
    described = {"dataset": model.dataset, "protocol": split.protocol, "split_seed": split.seed,
                 "users": split.shape[0], "items": split.shape[1], "eligible_items": int(eligible.sum()),
                 "positive_pairs": len(pairs.positives), "negative_pairs": len(pairs.negatives),
                 "query_items": int(queries.size)}
    return AutoplayOutcome(model, split, pairs, int(queries.size), metrics, tests, fitted,
                           time.monotonic() - started, described)


def _cached(context: AutoplayContext, name: str) -> MethodVectors:
    """A method's item vectors, from the study folder when this split and these settings made them before."""
    config = context.config
    settings = {"item_graph": _plain_params(config.item_graph)} if name == ITEM_GRAPH else \
        {"mp2v": _plain_params(config.mp2v)}
    key = content_hash({"method": name, "settings": settings, "graph": context.experiment.fingerprint,
                        "split": [context.split.protocol, context.split.seed, int(context.split.test.nnz)]}, 16)
    path = context.folder / "vectors" / f"{name.replace(' ', '-')}-{key}.npz"
    stored = load_vectors(path) if config.reuse else None
    if stored is not None:
        context.log(f"{name}: reusing {path.name}")
        recorded = read_json(path.with_suffix(".json"), "the vectors' sidecar") if path.with_suffix(
            ".json").is_file() else {}
        return MethodVectors(name, stored, settings, recorded.get("timings", {}),
                             [f"reused {path.name}", *recorded.get("notes", [])])
    context.log(f"fitting {name}")
    method = ITEM_VECTOR_METHODS[name](context)
    save_vectors(path, method.vectors)
    write_json(path.with_suffix(".json"), {"timings": method.timings, "notes": method.notes})
    return method


def _plain_params(value: Any) -> dict[str, Any]:
    return {k: str(v) if not isinstance(v, int | float | str | bool | dict | list | type(None)) else v
            for k, v in asdict(value).items()}
