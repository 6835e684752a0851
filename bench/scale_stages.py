"""The stages of the scale study for one size: generate, load, split, walk, train, evaluate, serve.

Every stage returns its figures (throughput and sizes) and leaves on disk what later stages need (files,
the database, the saved split, the corpus, the stored run), so a stopped study resumes at the first stage
without a checkpoint. Fixed settings for all sizes (only the catalogue grows): 5 walks of 20 nodes per user
on User-INTERACTED->Item<-INTERACTED-User, 64-dimensional skip-gram, 10 epochs; iALS 64 factors, 10 iterations,
regularisation 30 and its confidence scaled with the catalogue's sparsity (:func:`ials_alpha`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from bench.catalogue import CatalogueSpec, catalogue_stats, generate, write_generic
from bench.scale_probe import disk_bytes
from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import Embeddings, RunStore
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.graph.model import read_model
from mp2v.models.base import rows_per_block
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.types import ScoringRule, Trainer

WALKS_PER_NODE = 5
WALK_LENGTH = 20
DIMENSIONS = 64
#: 2 epochs left the dot score measuring only item frequency (R-MP2V = popularity at every size); 10 came
#: within 0.013 of iALS at 10^5 (docs/scale.md).
EPOCHS = 10
#: Users judged per method: a fixed-size sample keeps evaluation linear in the catalogue, where judging
#: every user would grow as users x items.
EVAL_USERS = 2_000
#: EASE inverts an items x items matrix (O(items^3) time, items^2 memory): skipped above this many items.
EASE_MAX_ITEMS = 5_000
K = 20
#: iALS weighs every unobserved cell 1 and a positive 1 + alpha log(1 + plays). The unobserved cells grow as
#: users x items while a user's positives stay about 76, so with one alpha at every size the zeros swamp the
#: positives as the catalogue grows (alpha 1 at 10^7: recall below popularity). alpha grows as
#: 1 / sqrt(density) from 1 at this training density (the 10^5 catalogue's), the rule that fits the measured
#: best alphas (1 of 1/10/40 at 10^5, 3-10 of 1/3/10/30 at 10^6, 10 of 1/10/30/100 at 10^7; docs/scale.md).
IALS_ANCHOR_DENSITY = 0.032


def ials_alpha(train: Any) -> float:
    """The confidence scale for a users x items training matrix: max(1, sqrt(IALS_ANCHOR_DENSITY / density))."""
    density = train.nnz / max(1, train.shape[0] * train.shape[1])
    return round(max(1.0, float(np.sqrt(IALS_ANCHOR_DENSITY / max(density, 1e-12)))), 2)


@dataclass
class SizeContext:
    """What one size's stages share; rebuilt lazily from disk when a study resumes."""

    interactions: int
    folder: Path
    settings: Settings
    seed: int = 7
    split: EvaluationSplit | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Skip-gram trainer of the train stage (torch ones on the CPU, one process); recorded in the stored run.
    trainer: Trainer = Trainer.GENSIM

    @property
    def dataset(self) -> str:
        return f"scale-{self.interactions}"

    @property
    def files(self) -> Path:
        return self.folder / "files"

    @property
    def corpus(self) -> Path:
        return self.folder / "corpus.txt"

    @property
    def runs(self) -> RunStore:
        return RunStore(self.folder / "runs")


def stage_generate(ctx: SizeContext, runner: QueryRunner | None) -> dict[str, Any]:
    started = time.monotonic()
    catalogue = generate(CatalogueSpec(interactions=ctx.interactions, seed=ctx.seed))
    drawn = time.monotonic() - started
    files = write_generic(catalogue, ctx.files)
    stats = catalogue_stats(catalogue)
    return {"rows_per_s": round(catalogue.interactions / (time.monotonic() - started)),
            "draw_seconds": round(drawn, 2), "users": stats["users"], "items": stats["items"],
            "follows": int(catalogue.follower.size), "tags": int(catalogue.tag.size),
            "top_1pct_items_share": round(stats["top_1pct_items_share"], 3),
            "csv_mb": round(sum(disk_bytes(p) for p in vars(files).values()) / 2**20, 1)}


def stage_load(ctx: SizeContext, runner: QueryRunner) -> dict[str, Any]:
    """Bulk path (neo4j-admin import) into the empty database: the first load of a catalogue."""
    from loaders import LoadOptions, rejects_folder, run_load
    from loaders.csv_generic import CsvConfig, build_plan

    config = CsvConfig(interactions=ctx.files / "interactions.csv", follows=ctx.files / "follows.csv",
                       features=ctx.files / "features.csv", dataset=ctx.dataset, weight_transform="log1p")
    result = run_load(lambda v: build_plan(config, v), runner, LoadOptions(bulk=True, force=True, progress=False),
                      rejects_dir=rejects_folder(ctx.settings.paths.home, ctx.dataset), server=ctx.settings.server)
    bulk = result.bulk
    relationships = int(bulk.relationships) if bulk else 0
    return {"rows_per_s": round(relationships / max(result.seconds, 1e-9)), "relationships": relationships,
            "nodes": int(bulk.nodes) if bulk else 0, "validate_seconds": round(result.validate_seconds, 2),
            "import_seconds": round(bulk.import_seconds, 2) if bulk else 0.0,
            "store_mb": round(disk_bytes(ctx.settings.server.home / "data") / 2**20, 1)}


def ensure_loaded(ctx: SizeContext, runner: QueryRunner) -> bool:
    """True when the database holds this size's catalogue (a later size may have replaced it)."""
    try:
        return read_model(runner).dataset == ctx.dataset
    except Exception:  # an empty or foreign database simply is not ours
        return False


def get_split(ctx: SizeContext, runner: QueryRunner) -> EvaluationSplit:
    from mp2v.experiments.protocols import holdout_protocol

    if ctx.split is None:
        ctx.split = holdout_protocol(runner, read_model(runner), ctx.folder / "splits", seed=42)
    return ctx.split


def stage_split(ctx: SizeContext, runner: QueryRunner) -> dict[str, Any]:
    """Read every interaction back from Neo4j, split per user, mark the held-out edges on the graph."""
    split = get_split(ctx, runner)
    total = int(split.final_train.nnz + split.test.nnz)
    return {"test": int(split.test.nnz), "validation": int(split.validation.nnz), "interactions": total}


def stage_walk(ctx: SizeContext, runner: QueryRunner) -> dict[str, Any]:
    from mp2v.walks.config import HoldoutExclusion, WalkConfig
    from mp2v.walks.run import default_metapath, run_walks

    split = get_split(ctx, runner)
    config = WalkConfig(metapaths=(default_metapath(read_model(runner)),), walks_per_node=WALKS_PER_NODE,
                        walk_length=WALK_LENGTH, weighted=True, seed=42,
                        exclude_holdout=HoldoutExclusion(split.holdout_property, split.final_walk_exclusions))
    summary = run_walks(runner, config, ctx.corpus, progress=False)
    return {"steps_per_s": round(summary.steps_per_second), "walk_steps_per_s": round(summary.walk_steps_per_second),
            "tokens": summary.tokens, "walks": summary.walks, "engine": summary.engine,
            "corpus_mb": round(disk_bytes(ctx.corpus) / 2**20, 1)}


def stage_train(ctx: SizeContext, runner: QueryRunner | None) -> dict[str, Any]:
    from mp2v.graph.model import GraphModel
    from mp2v.training.torch_options import TorchOptions
    from mp2v.training.trainers import train_vectors
    from mp2v.types import Device

    config = TrainConfig(dimensions=DIMENSIONS, epochs=EPOCHS, workers=2)
    # The torch trainers run on the CPU, one process with ``config.workers`` threads.
    trained = train_vectors(ctx.corpus, config, ctx.trainer, TorchOptions(Device.CPU))
    embeddings = Embeddings.from_tokens(trained.tokens, trained.inputs, trained.outputs,
                                        GraphModel(dataset=ctx.dataset))
    params: dict[str, Any] = {"dataset": ctx.dataset, "scoring": "dot",
                              "train": {"dimensions": DIMENSIONS, "epochs": EPOCHS}}
    if ctx.trainer != Trainer.GENSIM:  # only when set, as in stored experiment runs
        params["trainer"] = str(ctx.trainer)
    run = ctx.runs.save("R-MP2V", embeddings, params)
    ctx.extra["run_id"] = run.run_id
    return {"words_per_s": round(trained.words_per_second), "run_id": run.run_id, "trainer": str(ctx.trainer),
            "run_mb": round(disk_bytes(run.path) / 2**20, 1)}


def judged_users(split: EvaluationSplit, seed: int = 0) -> np.ndarray:
    """Up to EVAL_USERS users with test items, the same sample for every method."""
    candidates = np.flatnonzero(np.diff(split.test.indptr) > 0)
    if candidates.size <= EVAL_USERS:
        return candidates
    return np.sort(np.random.default_rng(seed).choice(candidates, EVAL_USERS, replace=False))


def stage_evaluate(ctx: SizeContext, runner: QueryRunner) -> dict[str, Any]:
    """MP2V (the stored run), popularity, iALS; EASE below EASE_MAX_ITEMS. Users scored in batches sized to
    the catalogue, each batch reduced to its top-K at once (no users x items matrix)."""
    from mp2v.models.ease import EASE
    from mp2v.models.implicit_models import IALS, IALSParams
    from mp2v.models.mp2v import AlignedScores
    from mp2v.models.popularity import Popularity

    split = get_split(ctx, runner)
    data = split.stage(Stage.TEST)
    users = judged_users(split)
    truth = data.truth[users]
    batch = max(16, min(1024, rows_per_block(split.shape[1], 1 << 24)))
    figures: dict[str, Any] = {"judged_users": int(users.size), "score_batch": batch}
    run = ctx.runs.load(ctx.extra.get("run_id") or ctx.runs.latest("R-MP2V").run_id)
    alpha = ials_alpha(data.train)
    figures["ials_alpha"] = alpha
    methods: dict[str, Any] = {"R-MP2V": lambda: AlignedScores(run.embeddings, ScoringRule.DOT, split.user_ids,
                                                                split.item_ids, data.train),
                               "popularity": lambda: Popularity().fit(data.train).score,
                               "iALS": lambda: IALS(IALSParams(factors=64, iterations=10, regularization=30.0,
                                                              alpha=alpha)).fit(data.train).score}
    if split.shape[1] <= EASE_MAX_ITEMS:
        methods["EASE"] = lambda: EASE().fit(data.train).score
    else:
        reason = (f"EASE skipped: {split.shape[1]:,} items > {EASE_MAX_ITEMS:,} (its items x items inverse costs "
                  f"O(items^3) time and {split.shape[1] ** 2 * 8 / 2**30:,.1f} GiB)")
        print(f"  {reason}", flush=True)
        figures["EASE"] = reason
    for name, fit in methods.items():
        started = time.monotonic()
        with threadpool_limits(1, "blas"):  # implicit's own threads do the work; nested BLAS threads only contend
            score = fit()
        fitted = time.monotonic() - started
        topk = top_k_batched(score, users, K, exclude=data.exclude, batch_size=batch)
        report = evaluate_topk(topk, truth, (K,))
        judged = time.monotonic() - started - fitted
        figures[name] = {"fit_seconds": round(fitted, 2), "judge_seconds": round(judged, 2),
                         "users_per_s": round(users.size / max(judged, 1e-9)),
                         f"recall@{K}": round(report.means[f"recall@{K}"], 4),
                         f"ndcg@{K}": round(report.means[f"ndcg@{K}"], 4)}
    figures["users_per_s"] = figures["R-MP2V"]["users_per_s"]
    return figures


def stage_serve(ctx: SizeContext, runner: QueryRunner, queries: int = 100) -> dict[str, Any]:
    """Write the run's vectors and vector indexes into Neo4j, then time single-client queries."""
    from mp2v.serving.vector_index import Server, serve_run

    model = read_model(runner)
    run = ctx.runs.load(ctx.extra.get("run_id") or ctx.runs.latest("R-MP2V").run_id)
    started = time.monotonic()
    serve_run(runner, model, run, rule=ScoringRule.DOT, slot="scale")
    written = time.monotonic() - started
    server = Server(runner, model, "scale")
    rng = np.random.default_rng(1)
    latencies: dict[str, list[float]] = {"recommend": [], "similar": []}
    for user, item in zip(rng.choice(run.embeddings.user_ids, queries).tolist(),
                          rng.choice(run.embeddings.item_ids, queries).tolist(), strict=True):
        begin = time.perf_counter()
        server.recommend(user, K)
        latencies["recommend"].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        server.similar(item, K)
        latencies["similar"].append(time.perf_counter() - begin)
    nodes = run.embeddings.user_ids.size + run.embeddings.item_ids.size
    figures: dict[str, Any] = {"nodes_per_s": round(nodes / max(written, 1e-9)), "write_seconds": round(written, 2),
                               "store_mb": round(disk_bytes(ctx.settings.server.home / "data") / 2**20, 1)}
    for name, values in latencies.items():
        ms = np.asarray(values) * 1000
        figures[f"{name}_p50_ms"] = round(float(np.percentile(ms, 50)), 2)
        figures[f"{name}_p99_ms"] = round(float(np.percentile(ms, 99)), 2)
    return figures


STAGES = {"generate": stage_generate, "load": stage_load, "split": stage_split, "walk": stage_walk,
          "train": stage_train, "evaluate": stage_evaluate, "serve": stage_serve}
#: Stages that need this size's catalogue in the database.
NEEDS_GRAPH = ("split", "walk", "evaluate", "serve")
