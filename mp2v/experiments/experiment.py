"""Fit methods on an evaluation split and judge them: the engine behind evaluate, demo and benchmark."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.common.hashing import content_hash
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import Embeddings, RunStore, StoredRun
from mp2v.errors import ConfigError
from mp2v.evaluation.beyond import beyond_accuracy, reference_item_space
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.graph.model import GraphModel, graph_fingerprint
from mp2v.models.base import Recommender
from mp2v.models.item2vec import PRODUCTION_PARAMS, Item2Vec, Item2VecParams
from mp2v.models.mp2v import MP2V, AlignedScores, GraphWalks, Mp2vParams
from mp2v.training.gensim_sgns import TrainConfig, train_description
from mp2v.training.torch_options import TorchOptions
from mp2v.types import FloatMatrix, IndexArray, ScoringRule, Trainer
from mp2v.walks.config import HoldoutExclusion, WalkConfig
from mp2v.walks.run import CorpusSummary

KS = (10, 20, 50, 100)
ScoreFunction = Callable[[IndexArray], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class Mp2vSpec:
    """An MP2V variant: walks (weighted = R-MP2V), skip-gram settings, and the user -> item scoring rule."""

    name: str
    walk: WalkConfig
    train: TrainConfig = TrainConfig()
    scoring: ScoringRule = ScoringRule.DOT
    #: Start item vectors from the item2vec baseline of the same stage (the seeds' initialisation).
    initialise_from_item2vec: bool = False
    #: "gensim"; or the project's numba SGNS (mp2v.training.numba_sgns) with negatives from all tokens ("numba") or
    #: from the context token's node type ("numba-typed", metapath2vec++).
    trainer: Trainer = Trainer.GENSIM
    #: Device, processes and batching of the torch trainers (recorded in the run's params only for them).
    torch: TorchOptions = TorchOptions()
    #: Training interactions as ``user item`` sentences, this many per epoch, beside the walks (0: none).
    interaction_pairs: int = 0

    def __post_init__(self) -> None:
        # Plain strings (search spaces, hand-written configs) become the enums; a typo lists the choices.
        for name, choice in (("trainer", Trainer), ("scoring", ScoringRule)):
            try:
                object.__setattr__(self, name, choice(getattr(self, name)))
            except ValueError:
                raise ConfigError(f"unknown {name} {getattr(self, name)!r}: choose from "
                                  f"{', '.join(choice)}") from None


@dataclass
class FittedMethod:
    name: str
    score: ScoreFunction
    params: dict[str, Any]
    timings: dict[str, float]
    run: StoredRun | None = None
    corpus: CorpusSummary | None = None
    notes: list[str] = field(default_factory=list)


class Experiment:
    """Methods fitted on one split; every method sees the same training rows, truth and exclusions."""

    def __init__(self, runner: QueryRunner | None, split: EvaluationSplit, model: GraphModel, store: RunStore,
                 workdir: Path, *, progress: bool = True, keep_gensim_models: bool = True) -> None:
        self.runner = runner
        self.split = split
        self.model = model
        self.store = store
        self.workdir = workdir
        self.progress = progress
        #: Stored runs keep their gensim model (to resume training); a benchmark's hundreds of trials do not.
        self.keep_gensim_models = keep_gensim_models
        self._reference: dict[Stage, FloatMatrix] = {}
        self.fingerprint = graph_fingerprint(runner) if runner is not None else "no-graph"
        self._item2vec: dict[tuple[Stage, str], Item2Vec] = {}

    # -- fitting ---------------------------------------------------------------------------------
    def fit_baseline(self, name: str, recommender: Recommender, stage: Stage) -> FittedMethod:
        started = time.monotonic()
        recommender.fit(self.split.stage(stage).train)
        params = asdict(recommender.params) if hasattr(recommender, "params") else {}
        return FittedMethod(name, recommender.score, params, {"fit": time.monotonic() - started})

    def item2vec(self, stage: Stage, params: Item2VecParams | None = None) -> Item2Vec:
        """The production baseline, fitted once per (stage, params): item2vec on listening histories."""
        params = params or PRODUCTION_PARAMS
        key = (stage, repr(params))
        if key not in self._item2vec:
            self._item2vec[key] = Item2Vec(params).fit(self.split.stage(stage).train)
        return self._item2vec[key]

    def fit_item2vec(self, stage: Stage, params: Item2VecParams | None = None, *, name: str = "item2vec",
                     reuse: bool = False) -> FittedMethod:
        """The production baseline as a stored run: item vectors, and each user as the mean of their items."""
        params = params or PRODUCTION_PARAMS
        described = {"item2vec": asdict(params), "scoring": "cosine"}
        key = self.cache_key(name, stage, described)
        stored = self.store.find(key) if reuse else None
        if stored is None:
            started = time.monotonic()
            model = self.item2vec(stage, params)
            users = np.arange(self.split.shape[0], dtype=np.int64)
            known = model.item_in_vocabulary
            dims = params.dim
            embeddings = Embeddings(
                user_ids=self.split.user_ids, item_ids=self.split.item_ids[known],
                user_input=model.user_vectors(users), item_input=model.item_vectors[known],
                user_output=np.zeros((users.size, dims), np.float32),
                item_output=np.zeros((int(known.sum()), dims), np.float32))
            timings = {"fit": time.monotonic() - started}
            stored = self.store.save(name, embeddings, {
                "dataset": self.model.dataset, "stage": stage, "protocol": self.split.protocol,
                "split_seed": self.split.seed, "graph_fingerprint": self.fingerprint, "cache_key": key,
                "scoring": "cosine", "params": described, "timings": timings})
            notes = []
        else:
            timings = {k: float(v) for k, v in stored.metadata.get("timings", {}).items()}
            notes = [f"reused stored run {stored.run_id}"]
        score, more = self.aligned_scorer(stored.embeddings, ScoringRule.COSINE, stage)
        return FittedMethod(name, score, described, timings, run=stored, notes=notes + more)

    def fit_mp2v(self, spec: Mp2vSpec, stage: Stage, *, reuse: bool = False) -> FittedMethod:
        """Fit the MP2V model on the training graph of ``stage`` and store its run; ``reuse`` loads an
        identical stored run instead of walking and training again."""
        if self.runner is None:
            raise RuntimeError("MP2V needs the database: construct the Experiment with a runner")
        data = self.split.stage(stage)
        exclusion = HoldoutExclusion(self.split.holdout_property, data.walk_exclusions)
        walk_config = replace(spec.walk, exclude_holdout=exclusion)
        # Stored runs are keyed by the excluded values only: the property names the split, which the cache key
        # already holds (protocol, seed, test size), so runs stored before namespaced splits keep their keys.
        described = walk_description(walk_config)
        described["exclude_holdout"] = list(exclusion.values)
        params: dict[str, Any] = {"walk": described, "train": train_description(spec.train),
                                  "scoring": spec.scoring, "initialise_from_item2vec": spec.initialise_from_item2vec}
        if spec.trainer != "gensim":  # only when set, so that stored gensim runs keep their keys
            params["trainer"] = spec.trainer
        if spec.trainer.uses_torch:
            params["torch"] = asdict(spec.torch)
        if spec.interaction_pairs:  # likewise only when set
            params["interaction_pairs"] = spec.interaction_pairs
        key = self.cache_key(spec.name, stage, params)
        source = GraphWalks(self.runner, spec.walk, self.model, self.split.user_ids, self.split.item_ids, exclusion)
        mp2v_params = Mp2vParams(train=spec.train, scoring=spec.scoring, trainer=spec.trainer, torch=spec.torch,
                                 initialise_from_item2vec=spec.initialise_from_item2vec,
                                 interaction_pairs=spec.interaction_pairs)
        stored = self.store.find(key) if reuse else None
        if stored is not None:
            reused = MP2V(mp2v_params, source).use_embeddings(stored.embeddings, data.train)
            timings = {name: float(value) for name, value in stored.metadata.get("timings", {}).items()}
            return FittedMethod(spec.name, reused.score, params, timings, run=stored,
                                notes=[*reused.notes, f"reused stored run {stored.run_id}"])
        slug = spec.name.lower().replace(" ", "-")
        # The key in the name: evaluations of other splits (seeds) running at the same time write other files.
        corpus_path = self.workdir / f"{self.model.dataset}-{slug}-{stage}-{key[:12]}.txt"
        initial = (self.item2vec(stage, replace(PRODUCTION_PARAMS, dim=spec.train.dimensions, seed=spec.train.seed))
                   if spec.initialise_from_item2vec else None)
        model = MP2V(mp2v_params, source, corpus_path=corpus_path, item2vec=initial,
                     progress=self.progress).fit(data.train)
        if model.embeddings is None or model.report is None:
            raise RuntimeError("MP2V.fit returned without embeddings")
        report, corpus = model.report, model.report.corpus
        run = self.store.save(spec.name, model.embeddings, {
            "dataset": self.model.dataset, "stage": stage, "protocol": self.split.protocol,
            "split_seed": self.split.seed, "graph_fingerprint": self.fingerprint, "cache_key": key,
            "holdout_property": exclusion.property,
            "scoring": spec.scoring, "params": params, "timings": report.timings,
            "words_per_second": report.words_per_second, "epoch_losses": report.epoch_losses,
            "corpus": corpus.path.name, "corpus_walks": corpus.walks, "corpus_tokens": corpus.tokens,
            "walk_engine": corpus.engine,
        }, gensim_model=model.gensim_model if self.keep_gensim_models else None)
        return FittedMethod(spec.name, model.score, params, report.timings, run=run, corpus=corpus.summary,
                            notes=model.notes)

    def cache_key(self, name: str, stage: Stage, params: dict[str, Any]) -> str:
        payload = {"name": name, "stage": stage, "params": params, "graph": self.fingerprint,
                   "split": [self.split.protocol, self.split.seed, int(self.split.test.nnz)]}
        return content_hash(payload, 20)

    def aligned_scorer(self, embeddings: Embeddings, rule: ScoringRule, stage: Stage) -> tuple[ScoreFunction,
                                                                                                list[str]]:
        """Scores in the split's user/item order. Items without a vector are never recommended; users without
        one (no walk reached them) fall back to training popularity, which the notes report."""
        aligned = AlignedScores(embeddings, rule, self.split.user_ids, self.split.item_ids,
                                self.split.stage(stage).train)
        return aligned, list(aligned.notes)

    # -- judging ---------------------------------------------------------------------------------
    def reference(self, stage: Stage) -> FloatMatrix:
        if stage not in self._reference:
            self._reference[stage] = reference_item_space(self.split.stage(stage).train)
        return self._reference[stage]

    def evaluate(self, fitted: FittedMethod, stage: Stage, ks: tuple[int, ...] = KS) -> MethodResult:
        data = self.split.stage(stage)
        started = time.monotonic()
        score = fitted.score
        if self.split.candidate_items is not None:
            score = _restricted(score, self.split.candidate_items)
        users = np.arange(self.split.shape[0], dtype=np.int64)
        topk = top_k_batched(score, users, max(ks), exclude=data.exclude, batch_size=512)
        report = evaluate_topk(topk, data.truth, ks)
        extra, extra_per_user = beyond_accuracy(topk[report.users], data.train, self.reference(stage),
                                                self.split.item_features, ks)
        # Coverage and Gini describe what every user is shown, not only users with test items.
        extra.update({k: v for k, v in beyond_accuracy(topk, data.train, self.reference(stage), None, ks)[0].items()
                      if k.startswith(("coverage", "gini"))})
        timings = {**fitted.timings, "evaluate": time.monotonic() - started}
        return MethodResult(fitted.name, stage, fitted.params, timings, {**report.means, **extra},
                            {**report.per_user, **extra_per_user}, report.users, topk,
                            run_id=fitted.run.run_id if fitted.run else None, notes=fitted.notes)


def _restricted(score: ScoreFunction, candidates: npt.NDArray[np.bool_]) -> ScoreFunction:
    def restricted(users: IndexArray) -> npt.NDArray[np.float32]:
        values = score(users)
        values[:, ~candidates] = -np.inf
        return values
    return restricted


def walk_description(config: WalkConfig) -> dict[str, Any]:
    described = asdict(config)
    described["metapaths"] = [str(m) for m in config.metapaths]
    if config.return_weight == 1.0:  # only when set, so that runs stored before the option keep their keys
        del described["return_weight"]
    return described
