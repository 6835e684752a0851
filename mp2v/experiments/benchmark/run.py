"""`mp2v benchmark`: tune every method on validation, fit the chosen settings on train + validation, judge
once on test, run the ablations, and compare the best MP2V variant with every baseline per user."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.evaluation.report import compare
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.space import (
    BASELINE_SPACES,
    ENSEMBLE_SIZES,
    GNN_SPACE,
    MP2V_SPACE,
    PRODUCTION_SPACE,
    SearchSpace,
    quick,
)
from mp2v.experiments.benchmark.trials import ResultCache, Trial, TrialStore
from mp2v.experiments.evaluate import EvaluationConfig, make_split
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.graph.model import GraphModel, read_model

Fit = Callable[[dict[str, Any], Stage], FittedMethod]
BEST_MP2V = "MP2V best"


@dataclass(frozen=True)
class BenchmarkConfig:
    seed: int = 42
    #: Tiny grids (2 values of 2 axes) for tests and smoke runs.
    quick: bool = False
    baselines: tuple[str, ...] = tuple(BASELINE_SPACES)
    production: bool = True
    mp2v: bool = True
    ablations: bool = True
    gnn: bool = True
    #: Keep walks per training edge constant between the tuning fits and the final fit (see Benchmark._mp2v).
    #: Off: on validation, 25 % more walks for 25 % more data did not help (docs/benchmark.md).
    scale_walks_to_data: bool = False


@dataclass
class SearchResult:
    name: str
    best: dict[str, Any]
    trials: list[Trial]
    #: Axes whose chosen value sits on the edge of its grid (the optimum might lie outside).
    at_edge: list[str] = field(default_factory=list)


@dataclass
class BenchmarkOutcome:
    model: GraphModel
    searches: dict[str, SearchResult]
    results: list[MethodResult]
    ablations: list[MethodResult]
    tests: list[dict[str, Any]]
    seconds: float
    folder: Path
    #: The single model the ablations change one thing of.
    ablation_reference: str = "R-MP2V (single model)"


class Benchmark:
    def __init__(self, runner: QueryRunner, settings: Settings, config: BenchmarkConfig, *,
                 progress: bool = False, log: Callable[[str], None] = print) -> None:
        self.runner = runner
        self.config = config
        self.log = log
        self.model = read_model(runner)
        self.split = make_split(runner, self.model, settings, EvaluationConfig(seed=config.seed))
        self.folder = settings.paths.home / "benchmark" / f"{self.model.dataset}-seed{config.seed}"
        self.experiment = Experiment(runner, self.split, self.model, RunStore(self.folder / "runs"),
                                     self.folder / "walks", progress=progress, keep_gensim_models=False)
        context = f"{self.experiment.fingerprint}:{self.split.protocol}:{self.split.seed}:{self.split.test.nnz}"
        self.trials = TrialStore(self.folder, context)
        self.results = ResultCache(self.folder / "test", context)

    # -- search ----------------------------------------------------------------------------------
    def _validate(self, name: str, fit: Fit, params: dict[str, Any]) -> Trial:
        def evaluate() -> tuple[dict[str, float], list[str]]:
            result = self.experiment.evaluate(fit(params, Stage.VALIDATION), Stage.VALIDATION, ks=(10, 20, 50, 100))
            return result.metrics, result.notes

        trial = self.trials.run(name, "validation", params, evaluate)
        self.log(f"  {name} {_short(params)}: R@20 {trial.metrics['recall@20']:.4f} "
                 f"N@20 {trial.metrics['ndcg@20']:.4f} ({trial.seconds:.0f} s)")
        return trial

    def search(self, name: str, space: SearchSpace, fit: Fit) -> SearchResult:
        space = quick(space) if self.config.quick else space
        self.log(f"tuning {name} on validation")
        best = dict(space.start)
        best_trial = self._validate(name, fit, best)
        seen = [best_trial]
        for _ in range(space.passes):
            changed = False
            for axis, values in space.axes:
                for value in values:
                    candidate = {**best, axis: value}
                    trial = self._validate(name, fit, candidate)
                    seen.append(trial)
                    if trial.score() > best_trial.score() + 1e-12:
                        best, best_trial, changed = candidate, trial, True
            if not changed:
                break
        at_edge = space.at_edge(best)
        unique = {t.key: t for t in seen}
        return SearchResult(name, best, list(unique.values()), at_edge)

    # -- test ------------------------------------------------------------------------------------
    def test(self, name: str, fit: Fit, params: dict[str, Any]) -> MethodResult:
        """Fit on train + validation with the chosen settings and judge once on test (cached on disk)."""
        cached = self.results.get(name, params)
        if cached is not None:
            return cached
        self.log(f"testing {name} {_short(params)}")
        fitted = fit(params, Stage.TEST)
        result = self.experiment.evaluate(fitted, Stage.TEST)
        result.name, result.params = name, params
        self.results.put(result, params)
        self.log(f"  {name}: R@20 {result.metrics['recall@20']:.4f} N@20 {result.metrics['ndcg@20']:.4f}")
        return result

    # -- everything ------------------------------------------------------------------------------
    def run(self) -> BenchmarkOutcome:
        started = time.monotonic()
        searches: dict[str, SearchResult] = {}
        results: list[MethodResult] = []
        exp = self.experiment
        for registry_name in self.config.baselines:
            display, space = BASELINE_SPACES[registry_name]

            def fit(params: dict[str, Any], stage: Stage, registry_name: str = registry_name,
                    display: str = display) -> FittedMethod:
                return methods.fit_baseline(exp, registry_name, params, stage, name=display)

            searches[display] = self.search(display, space, fit)
            results.append(self.test(display, fit, searches[display].best))
        if self.config.gnn:
            results += self._gnn(searches)
        if self.config.production:
            def fit_production(params: dict[str, Any], stage: Stage) -> FittedMethod:
                return methods.fit_production(exp, params, stage, name="item2vec (production)")

            searches["item2vec (production)"] = self.search("item2vec (production)", PRODUCTION_SPACE,
                                                            fit_production)
            results.append(self.test("item2vec (production)", fit_production,
                                     searches["item2vec (production)"].best))
        ablations: list[MethodResult] = []
        reference_single = "R-MP2V (single model)"
        if self.config.mp2v:
            mp2v_results, ablations = self._mp2v(searches)
            results += mp2v_results
            if not searches["MP2V"].best.get("weighted", True):
                reference_single = "MP2V uniform (single model)"
        reference = BEST_MP2V if any(r.name == BEST_MP2V for r in results) else results[0].name
        tests = compare(results, reference, seed=self.config.seed)
        return BenchmarkOutcome(self.model, searches, results, ablations, tests, time.monotonic() - started,
                                self.folder, reference_single)

    def _gnn(self, searches: dict[str, SearchResult]) -> list[MethodResult]:
        import importlib

        try:
            lightgcn = importlib.import_module("mp2v.models.lightgcn")
        except ModuleNotFoundError:
            return []
        if not lightgcn.torch_available():
            self.log("LightGCN skipped: the optional extra is not installed (pip install 'mp2v[gnn]')")
            return []
        space = GNN_SPACE
        exp = self.experiment

        def fit(params: dict[str, Any], stage: Stage) -> FittedMethod:
            model = lightgcn.LightGCN(lightgcn.LightGCNParams(**params))
            return exp.fit_baseline("LightGCN", model, stage)

        searches["LightGCN"] = self.search("LightGCN", space, fit)
        return [self.test("LightGCN", fit, searches["LightGCN"].best)]

    def _mp2v(self, searches: dict[str, SearchResult]) -> tuple[list[MethodResult], list[MethodResult]]:
        exp = self.experiment

        # The final fit learns from train + validation, 25 % more interactions than the tuning fits. With
        # scale_walks_to_data, walks per node are scaled by that ratio so the corpus keeps the same number of
        # walks per training edge (measured and not helpful on Last.fm: docs/benchmark.md).
        growth = self.split.final_train.nnz / max(1, self.split.tuning_train.nnz)

        def final(params: dict[str, Any]) -> dict[str, Any]:
            if not self.config.scale_walks_to_data:
                return params
            expanded = {**methods.apply_schedule(params), "schedule": None}
            return {**expanded, "final_walks_per_node": max(1, round(expanded["walks_per_node"] * growth))}

        def fit(params: dict[str, Any], stage: Stage) -> FittedMethod:
            if stage == "test" and "final_walks_per_node" in params:
                params = {**params, "walks_per_node": params["final_walks_per_node"]}
            return methods.fit_mp2v(exp, params, stage, name="MP2V-search", seed=self.config.seed)

        space = MP2V_SPACE
        if not _has_relationships(self.runner, self.model.feature_type):
            space = _without_mix(space, "features")
        if not _has_relationships(self.runner, self.model.follow_type):
            space = _without_mix(space, "follows")
        search = self.search("MP2V", space, fit)
        best = dict(search.best)
        sizes = ENSEMBLE_SIZES[:2] if self.config.quick else ENSEMBLE_SIZES
        self.log("seed ensembles of the best MP2V configuration")
        ensemble_trials = [self._validate("MP2V", fit, {**best, "seeds": size}) for size in sizes]
        chosen = max(ensemble_trials, key=Trial.score)
        search.at_edge += SearchSpace({}, [("seeds", sizes)], limits={"seeds": (1, None)}).at_edge(chosen.params)
        # metapath2vec++ (type-aware negatives, own kernel) as the same ensemble; validation picks the trainer.
        self.log("the chosen ensemble with type-aware negatives (metapath2vec++)")
        ensemble_trials.append(self._validate("MP2V", fit, {**chosen.params, "trainer": "numba-typed"}))
        chosen = max(ensemble_trials, key=Trial.score)
        search.trials += ensemble_trials
        search.best = chosen.params
        searches["MP2V"] = search
        single = {k: v for k, v in best.items()}
        results = [
            self.test(BEST_MP2V, fit, final(search.best)),
            self.test("R-MP2V (single model)", fit, final({**single, "weighted": True})),
            self.test("MP2V uniform (single model)", fit, final({**single, "weighted": False})),
        ]
        ablations = [] if not self.config.ablations else [
            self.test(f"ablation: {label}", fit, final(params)) for label, params in _ablations(single, space)]
        return results, ablations


def _ablations(best: dict[str, Any], space: SearchSpace) -> list[tuple[str, dict[str, Any]]]:
    """The seeds' ablations, each a change of one thing from the best single model."""
    mixes = dict(space.axes)["metapaths"]
    parts = set(best["metapaths"].split("+")) - {"uiu"}
    variants = []
    for extra in ("follows", "features"):
        toggled = parts ^ {extra}
        mix = "+".join(["uiu", *sorted(toggled, reverse=True)])
        if mix in mixes:
            label = f"{'without' if extra in parts else 'with'} {extra} metapath"
            variants.append((label, {**best, "metapaths": mix}))
    variants += [
        ("uniform walks (MP2V)" if best["weighted"] else "weighted walks (R-MP2V)",
         {**best, "weighted": not best["weighted"]}),
        ("walks from items as well as users", {**best, "start": "both"}),
        *[(label, {**best, "init": init}) for init, label in (
            ("random", "random initialisation"), ("item2vec", "item vectors initialised from item2vec"),
            ("item2vec-frozen", "item vectors from item2vec, frozen")) if best.get("init", "random") != init],
        ("cosine scoring" if best["scoring"] == "dot" else "dot scoring",
         {**best, "scoring": "cosine" if best["scoring"] == "dot" else "dot"}),
        # metapath2vec++ against the same kernel with shared negatives, so the pair isolates the negatives.
        ("own SGNS kernel, shared negatives (reference for the next row)", {**best, "trainer": "numba"}),
        ("type-aware negatives (metapath2vec++)", {**best, "trainer": "numba-typed"}),
    ]
    return variants


def _without_mix(space: SearchSpace, part: str) -> SearchSpace:
    axes = [(name, [v for v in values if not (name == "metapaths" and part in str(v))])
            for name, values in space.axes]
    return replace(space, axes=axes)


def _has_relationships(runner: QueryRunner, rel_type: str | None) -> bool:
    from mp2v.db.admin import graph_stats

    return bool(rel_type) and graph_stats(runner, with_degrees=False).relationships.get(rel_type or "", 0) > 0


def _short(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())
