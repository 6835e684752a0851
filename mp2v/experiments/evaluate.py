"""The main jobs: evaluate MP2V, R-MP2V and the production baseline on the loaded dataset; the demo."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from mp2v.common.files import atomic_path, write_json
from mp2v.common.tables import markdown_table
from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError
from mp2v.evaluation.report import compare, results_table, write_report
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.experiment import Experiment, Mp2vSpec
from mp2v.experiments.protocols import ProtocolConfig, holdout_protocol, kuairec_protocol
from mp2v.graph.metapath import Metapath
from mp2v.graph.model import GraphModel, read_model
from mp2v.models.item2vec import Item2VecParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.torch_options import TorchOptions
from mp2v.types import Trainer
from mp2v.walks.config import WalkConfig
from mp2v.walks.run import default_metapath

T = TypeVar("T")
PRODUCTION_BASELINE = "item2vec"
DEFAULT_METHODS = ("MP2V", "R-MP2V", PRODUCTION_BASELINE)
#: What validation chooses the MP2V variant by.
CHOICE_METRIC = "recall@20"


@dataclass(frozen=True)
class EvaluationConfig:
    stage: Stage = Stage.TEST
    methods: tuple[str, ...] = DEFAULT_METHODS
    seed: int = 42
    reuse: bool = True
    metapaths: tuple[Metapath, ...] | None = None
    walks_per_node: int = 10
    walk_length: int = 40
    train: TrainConfig = TrainConfig()
    #: gensim, or the numba SGNS with shared ("numba") or type-aware ("numba-typed", metapath2vec++) negatives.
    trainer: Trainer = Trainer.GENSIM
    #: Device and processes of the torch trainers.
    torch: TorchOptions = TorchOptions()
    #: Training interactions as ``user item`` sentences per epoch, mixed into the walks (0: walks only).
    interaction_pairs: int = 0
    #: The weight of a step straight back in MP2V's walks (``WalkConfig.return_weight``; 1: plain walks).
    return_weight: float = 1.0
    #: The production baseline's settings (None: mp2v.models.item2vec.PRODUCTION_PARAMS).
    item2vec: Item2VecParams | None = None
    #: KuaiRec: the small_matrix.csv to judge on (default: the loaded folder, recorded by the loader).
    kuairec_small_matrix: Path | None = None
    #: The per-user split of non-KuaiRec data (holdout 20 %, leave-one-out, RecBole's 8:1:1).
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)


@dataclass
class StageClock:
    """Wall time of each stage of a job, printed with the results."""

    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, action: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return action()
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - started

    def table(self) -> str:
        rows = [{"stage": name, "seconds": f"{value:.1f}"} for name, value in self.seconds.items()]
        rows.append({"stage": "total", "seconds": f"{sum(self.seconds.values()):.1f}"})
        return markdown_table(rows)


@dataclass(frozen=True)
class VariantChoice:
    """Which MP2V variant validation chose (to compare against and to serve), and on what numbers."""

    name: str
    metric: str
    #: Each variant's validation value of ``metric`` (empty when there was nothing to choose between).
    validation: dict[str, float]

    def context(self) -> dict[str, Any]:
        """The lines the report records about the choice."""
        value = self.validation.get(self.name)
        return {"chosen_variant": self.name,
                "chosen_by": f"validation {self.metric}" if value is not None else "only variant",
                f"chosen_validation_{self.metric}": round(value, 4) if value is not None else None,
                f"validation_{self.metric}": {k: round(v, 4) for k, v in self.validation.items()}}


@dataclass
class EvaluationOutcome:
    results: list[MethodResult]
    tests: list[dict[str, Any]]
    report: dict[str, Path]
    clock: StageClock
    #: The MP2V variant validation chose (None when no MP2V variant was evaluated).
    choice: VariantChoice | None = None
    #: The variants' validation results the choice was made on (empty at the validation stage: the results are).
    validation: list[MethodResult] = field(default_factory=list)

    def table(self) -> str:
        return results_table(self.results)


def mp2v_specs(model: GraphModel, config: EvaluationConfig) -> dict[str, Mp2vSpec]:
    """MP2V (uniform steps) and R-MP2V (steps weighted by interaction quality) on the same metapaths."""
    metapaths = config.metapaths or (default_metapath(model),)
    walk = {"walks_per_node": config.walks_per_node, "walk_length": config.walk_length, "seed": config.seed,
            "return_weight": config.return_weight}
    return {
        "MP2V": Mp2vSpec("MP2V", WalkConfig(metapaths=metapaths, weighted=False, **walk), config.train,  # type: ignore[arg-type]
                         trainer=config.trainer, torch=config.torch, interaction_pairs=config.interaction_pairs),
        "R-MP2V": Mp2vSpec("R-MP2V", WalkConfig(metapaths=metapaths, weighted=True, **walk), config.train,  # type: ignore[arg-type]
                           trainer=config.trainer, torch=config.torch, interaction_pairs=config.interaction_pairs),
    }


def make_split(runner: QueryRunner, model: GraphModel, settings: Settings, config: EvaluationConfig) -> EvaluationSplit:
    """The dataset's protocol: KuaiRec judges on the small matrix, everything else on a per-user holdout."""
    if model.dataset == "kuairec":
        small = config.kuairec_small_matrix or _recorded_small_matrix(model)
        return kuairec_protocol(runner, model, small, seed=config.seed)
    return holdout_protocol(runner, model, settings.paths.home / "splits", seed=config.seed, config=config.protocol)


def _recorded_small_matrix(model: GraphModel) -> Path:
    folder = model.options.get("folder")
    candidates = [Path(folder) / "small_matrix.csv"] if folder else []
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError("the KuaiRec protocol judges on small_matrix.csv: pass --kuairec-small-matrix PATH")


def evaluate(runner: QueryRunner, settings: Settings, config: EvaluationConfig, *, progress: bool = True,
             clock: StageClock | None = None) -> EvaluationOutcome:
    """Fit every method on the stage's training rows, judge it on the stage's truth, and write the report.

    The MP2V variant the others are compared against (and the demo serves) is chosen on validation: at the
    test stage the variants are first fitted on the tuning rows and judged on validation, and the test
    numbers are only reported, never used to choose."""
    clock = clock or StageClock()
    model = read_model(runner)
    split = clock.run("split", lambda: make_split(runner, model, settings, config))
    experiment = Experiment(runner, split, model, RunStore(settings.paths.runs), settings.paths.home / "walks",
                            progress=progress)
    specs = mp2v_specs(model, config)
    unknown = [m for m in config.methods if m not in specs and m != PRODUCTION_BASELINE]
    if unknown:
        raise ConfigError(f"unknown methods {unknown}; choose from {[*specs, PRODUCTION_BASELINE]}")
    variants = [name for name in config.methods if name in specs]

    def fit_and_judge(name: str, stage: Stage) -> MethodResult:
        if name == PRODUCTION_BASELINE:
            fitted = clock.run(f"fit {name}", lambda: experiment.fit_item2vec(stage, config.item2vec,
                                                                                reuse=config.reuse))
        else:
            label = f"walk + train {name}" + (" (validation)" if stage != config.stage else "")
            fitted = clock.run(label, lambda: experiment.fit_mp2v(specs[name], stage, reuse=config.reuse))
        return clock.run("evaluate", lambda: experiment.evaluate(fitted, stage))

    validation: list[MethodResult] = []
    if config.stage == Stage.TEST and len(variants) > 1:
        validation = [fit_and_judge(name, Stage.VALIDATION) for name in variants]
    results = [fit_and_judge(name, config.stage) for name in config.methods]
    choice = choose_variant(validation or [r for r in results if r.name in specs])
    reference = choice.name if choice else results[0].name
    tests = compare(results, reference=reference, seed=config.seed)
    folder = settings.paths.home / "reports" / f"{model.dataset}-{config.stage}"
    context = {
        "title": f"{model.dataset}: MP2V, R-MP2V and the production baseline ({config.stage})",
        "dataset": model.dataset, "protocol": split.protocol, "split_seed": split.seed, "stage": config.stage,
        "users": split.shape[0], "items": split.shape[1],
        "truth_interactions": int(split.stage(config.stage).truth.nnz),
        **(choice.context() if choice else {}),
    }
    chosen = next(r for r in results if r.name == reference)
    chosen_run = experiment.store.load(chosen.run_id) if chosen.run_id else None
    report = clock.run("report", lambda: write_report(
        folder, results, tests, context, embeddings=chosen_run.embeddings if chosen_run else None,
        baseline=PRODUCTION_BASELINE if PRODUCTION_BASELINE in config.methods else None))
    save_method_artifacts(folder, results, split)
    for result in [*validation, *results]:
        if result.run_id:
            write_json(experiment.store.root / result.run_id / "results.json",
                       {"stage": result.stage, "metrics": result.metrics, "report": str(folder)})
    return EvaluationOutcome(results, tests, report, clock, choice, validation)


def choose_variant(candidates: list[MethodResult], metric: str = CHOICE_METRIC) -> VariantChoice | None:
    """The candidate with the highest ``metric`` (ties: the first listed); None when there are none. Only
    validation results count as evidence: a lone variant judged on test is chosen as the "only variant"."""
    if not candidates:
        return None
    best = max(candidates, key=lambda r: r.metrics[metric])
    judged_on_validation = all(r.stage == Stage.VALIDATION for r in candidates)
    scores = {r.name: float(r.metrics[metric]) for r in candidates} if judged_on_validation else {}
    return VariantChoice(best.name, metric, scores)


def save_method_artifacts(folder: Path, results: list[MethodResult], split: EvaluationSplit) -> None:
    """Per method: the top-100 lists and per-user metrics, for the dashboard's run overview."""
    target = folder / "methods"
    target.mkdir(parents=True, exist_ok=True)
    for result in results:
        arrays: dict[str, Any] = {f"per_user/{k}": v for k, v in result.per_user.items()}
        arrays.update(topk=result.topk, users=result.users, user_ids=split.user_ids, item_ids=split.item_ids)
        with atomic_path(target / f"{result.name}.npz") as temporary:
            np.savez_compressed(temporary, **arrays)
