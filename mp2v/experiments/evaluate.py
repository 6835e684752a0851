"""The main jobs: evaluate MP2V, R-MP2V and the production baseline on the loaded dataset; the demo."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError
from mp2v.evaluation.report import compare, markdown_table, write_report
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.experiment import Experiment, Mp2vSpec
from mp2v.experiments.protocols import holdout_protocol, kuairec_protocol
from mp2v.graph.metapath import Metapath
from mp2v.graph.model import GraphModel, read_model
from mp2v.models.item2vec import Item2VecParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.types import Trainer
from mp2v.walks.config import WalkConfig
from mp2v.walks.run import default_metapath

T = TypeVar("T")
PRODUCTION_BASELINE = "item2vec"
DEFAULT_METHODS = ("MP2V", "R-MP2V", PRODUCTION_BASELINE)


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
    #: The production baseline's settings (None: mp2v.models.item2vec.PRODUCTION_PARAMS).
    item2vec: Item2VecParams | None = None
    #: KuaiRec: the small_matrix.csv to judge on (default: the loaded folder, recorded by the loader).
    kuairec_small_matrix: Path | None = None


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
        lines = ["| stage | seconds |", "|---|---:|"]
        lines += [f"| {name} | {value:.1f} |" for name, value in self.seconds.items()]
        lines.append(f"| total | {sum(self.seconds.values()):.1f} |")
        return "\n".join(lines)


@dataclass
class EvaluationOutcome:
    results: list[MethodResult]
    tests: list[dict[str, Any]]
    report: dict[str, Path]
    clock: StageClock

    def table(self) -> str:
        return markdown_table(self.results)


def mp2v_specs(model: GraphModel, config: EvaluationConfig) -> dict[str, Mp2vSpec]:
    """MP2V (uniform steps) and R-MP2V (steps weighted by interaction quality) on the same metapaths."""
    metapaths = config.metapaths or (default_metapath(model),)
    walk = {"walks_per_node": config.walks_per_node, "walk_length": config.walk_length, "seed": config.seed}
    return {
        "MP2V": Mp2vSpec("MP2V", WalkConfig(metapaths=metapaths, weighted=False, **walk), config.train,  # type: ignore[arg-type]
                         trainer=config.trainer),
        "R-MP2V": Mp2vSpec("R-MP2V", WalkConfig(metapaths=metapaths, weighted=True, **walk), config.train,  # type: ignore[arg-type]
                           trainer=config.trainer),
    }


def make_split(runner: QueryRunner, model: GraphModel, settings: Settings, config: EvaluationConfig) -> EvaluationSplit:
    """The dataset's protocol: KuaiRec judges on the small matrix, everything else on a per-user holdout."""
    if model.dataset == "kuairec":
        small = config.kuairec_small_matrix or _recorded_small_matrix(model)
        return kuairec_protocol(runner, model, small, seed=config.seed)
    return holdout_protocol(runner, model, settings.paths.home / "splits", seed=config.seed)


def _recorded_small_matrix(model: GraphModel) -> Path:
    folder = model.options.get("folder")
    candidates = [Path(folder) / "small_matrix.csv"] if folder else []
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError("the KuaiRec protocol judges on small_matrix.csv: pass --kuairec-small-matrix PATH")


def evaluate(runner: QueryRunner, settings: Settings, config: EvaluationConfig, *, progress: bool = True,
             clock: StageClock | None = None) -> EvaluationOutcome:
    """Fit every method on the stage's training rows, judge it on the stage's truth, and write the report."""
    clock = clock or StageClock()
    model = read_model(runner)
    split = clock.run("split", lambda: make_split(runner, model, settings, config))
    experiment = Experiment(runner, split, model, RunStore(settings.paths.runs), settings.paths.home / "walks",
                            progress=progress)
    specs = mp2v_specs(model, config)
    unknown = [m for m in config.methods if m not in specs and m != PRODUCTION_BASELINE]
    if unknown:
        raise ConfigError(f"unknown methods {unknown}; choose from {[*specs, PRODUCTION_BASELINE]}")
    results = []
    for name in config.methods:
        if name == PRODUCTION_BASELINE:
            fitted = clock.run(f"fit {name}", lambda: experiment.fit_item2vec(config.stage, config.item2vec,
                                                                                reuse=config.reuse))
        else:
            spec = specs[name]
            fitted = clock.run(f"walk + train {name}",
                               lambda spec=spec: experiment.fit_mp2v(spec, config.stage, reuse=config.reuse))  # type: ignore[misc]
        results.append(clock.run("evaluate", lambda fitted=fitted: experiment.evaluate(fitted, config.stage)))  # type: ignore[misc]
    mp2v_results = [r for r in results if r.name != PRODUCTION_BASELINE]
    best = max(mp2v_results, key=lambda r: r.metrics["recall@20"]) if mp2v_results else results[0]
    tests = compare(results, reference=best.name, seed=config.seed)
    folder = settings.paths.home / "reports" / f"{model.dataset}-{config.stage}"
    context = {
        "title": f"{model.dataset}: MP2V, R-MP2V and the production baseline ({config.stage})",
        "dataset": model.dataset, "protocol": split.protocol, "split_seed": split.seed, "stage": config.stage,
        "users": split.shape[0], "items": split.shape[1],
        "truth_interactions": int(split.stage(config.stage).truth.nnz),
    }
    best_run = experiment.store.load(best.run_id) if best.run_id else None
    report = clock.run("report", lambda: write_report(
        folder, results, tests, context, embeddings=best_run.embeddings if best_run else None,
        baseline=PRODUCTION_BASELINE if PRODUCTION_BASELINE in config.methods else None))
    save_method_artifacts(folder, results, split)
    for result in results:
        if result.run_id:
            (experiment.store.root / result.run_id / "results.json").write_text(
                json.dumps({"stage": result.stage, "metrics": result.metrics, "report": str(folder)}, indent=2))
    return EvaluationOutcome(results, tests, report, clock)


def save_method_artifacts(folder: Path, results: list[MethodResult], split: EvaluationSplit) -> None:
    """Per method: the top-100 lists and per-user metrics, for the dashboard's run overview."""
    target = folder / "methods"
    target.mkdir(parents=True, exist_ok=True)
    for result in results:
        arrays: dict[str, Any] = {f"per_user/{k}": v for k, v in result.per_user.items()}
        arrays.update(topk=result.topk, users=result.users, user_ids=split.user_ids, item_ids=split.item_ids)
        np.savez_compressed(target / f"{result.name}.npz", **arrays)
