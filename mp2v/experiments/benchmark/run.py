"""`mp2v benchmark`: tune every method on validation, fit the chosen settings on train + validation, judge
once on test, run the ablations, and compare the best MP2V variant with every baseline per user."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.evaluation.report import compare
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import finalists, methods
from mp2v.experiments.benchmark.config import (
    BEST_MP2V,
    FAST_ENSEMBLE_SIZES,
    SEEDED,
    BenchmarkConfig,
    BenchmarkOutcome,
    Fit,
    SearchResult,
)
from mp2v.experiments.benchmark.space import (
    BASELINE_SPACES,
    ENSEMBLE_SIZES,
    FAST_MP2V_AXES,
    FAST_PRODUCTION_START,
    GNN_SPACE,
    MP2V_SPACE,
    PRODUCTION_SPACE,
    SearchSpace,
    canonical,
    fast,
    for_trainer,
    quick,
)
from mp2v.experiments.benchmark.trials import ResultCache, Trial, TrialStore
from mp2v.experiments.evaluate import EvaluationConfig, make_split
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.graph.model import read_model
from mp2v.training.torch_options import torch_available
from mp2v.types import Trainer


class Benchmark:
    def __init__(self, runner: QueryRunner, settings: Settings, config: BenchmarkConfig, *,
                 progress: bool = False, log: Callable[[str], None] = print) -> None:
        self.runner = runner
        self.config = config
        self.log = log
        self.model = read_model(runner)
        self.split = make_split(runner, self.model, settings,
                                EvaluationConfig(seed=config.seed, protocol=config.protocol))
        protocol = "" if config.protocol.name == "holdout" else f"-{config.protocol.name}"
        self.folder = settings.paths.home / "benchmark" / f"{self.model.dataset}{protocol}-seed{config.seed}"
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

        trial = self.trials.run(name, "validation", canonical(params), evaluate)
        self.log(f"  {name} {_short(params)}: R@20 {trial.metrics['recall@20']:.4f} "
                 f"N@20 {trial.metrics['ndcg@20']:.4f} ({trial.seconds:.0f} s)")
        return trial

    def search(self, name: str, space: SearchSpace, fit: Fit, *, item_k: bool = False,
               fast_axes: tuple[str, ...] | None = None) -> SearchResult:
        """Coordinate search on validation over a grid cut to the data's size; a choice on a grid's edge
        extends that grid one step at a time until it is inside: ``config.widen`` times per axis, and on an
        axis the data bounds (factors, neighbours) as far as that bound. Then the products of the space's
        ``joint`` axis pairs around the best, and the edges once more."""
        users, items = self.split.shape
        space = space.scaled(users, items, item_k=item_k)
        space = quick(space) if self.config.quick else fast(space, fast_axes) if self.config.fast else space
        self.log(f"tuning {name} on validation")
        best = dict(space.start)
        best_trial = self._validate(name, fit, best)
        seen = [best_trial]

        def improves(candidate: dict[str, Any]) -> bool:
            """Validate ``candidate``; keep it as the best when it scores higher."""
            nonlocal best, best_trial
            trial = self._validate(name, fit, candidate)
            seen.append(trial)
            if trial.score() > best_trial.score() + 1e-12:
                best, best_trial = candidate, trial
                return True
            return False

        for _ in range(space.passes):
            changed = False
            for axis, values in space.axes:
                for value in values:
                    changed = improves({**best, axis: value}) or changed
            if not changed:
                break
        widened: dict[str, int] = {}
        exhausted: set[str] = set()
        limit = self.config.widen  # fast mode too: its window is narrow, so edges are where it would stop

        def may_widen(axis: str) -> bool:
            # A data-bounded axis ends at the bound in geometric steps (iALS factors 1,024 -> 1,891 users), so it
            # needs no count limit, which would leave a fast run's narrow window on an edge.
            return axis not in exhausted and (widened.get(axis, 0) < limit or space.bounded_edge(axis, best))

        # Edges first, so the joint products are tried around the settled best on the widened grids; then
        # edges again, where the joint step moved the best onto one.
        for joint_round in (False, True):
            for candidate in space.joint_candidates(best) if joint_round else []:
                improves(candidate)
            while not self.config.quick and (edges := [a for a in space.at_edge(best) if may_widen(a)]):
                axis = edges[0]
                widened[axis] = widened.get(axis, 0) + 1
                current = space.value(best, axis)
                space, value = space.widened(axis, best)
                if value is None:
                    exhausted.add(axis)
                    continue
                self.log(f"  {name}: {axis}={current} is on its grid's edge; trying {axis}={value}")
                improves({**best, axis: value})
        at_edge = space.at_edge(best)
        unique = {t.key: t for t in seen}
        return SearchResult(name, best, list(unique.values()), at_edge, space)

    # -- test ------------------------------------------------------------------------------------
    def test(self, name: str, fit: Fit, params: dict[str, Any]) -> MethodResult:
        """Fit on train + validation with the chosen settings and judge once on test (cached on disk)."""
        params = canonical(params)
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

            searches[display] = self.search(display, space, fit, item_k=registry_name == "itemknn")
            results.append(self.test(display, fit, searches[display].best))
        if self.config.gnn:
            results += self._gnn(searches)
        if self.config.production:  # the mission's reference, in fast mode too (started where it is good)
            def fit_production(params: dict[str, Any], stage: Stage) -> FittedMethod:
                return methods.fit_production(exp, params, stage, name="item2vec (production)")

            production = (replace(PRODUCTION_SPACE, start=FAST_PRODUCTION_START) if self.config.fast
                          else PRODUCTION_SPACE)
            searches["item2vec (production)"] = self.search("item2vec (production)", production, fit_production)
            results.append(self.test("item2vec (production)", fit_production,
                                     searches["item2vec (production)"].best))
        ablations: list[MethodResult] = []
        reference_single = "R-MP2V (single model)"
        size = 1
        if self.config.mp2v:
            mp2v_results, ablations = self._mp2v(searches)
            results += mp2v_results
            if not searches["MP2V"].best.get("weighted", True):
                reference_single = "MP2V uniform (single model)"
            size = int(searches["MP2V"].best.get("seeds", 1))
            if self.config.fair and size > 1:
                results += self._baseline_ensembles(searches, size)
        reference = BEST_MP2V if any(r.name == BEST_MP2V for r in results) else results[0].name
        tests = compare(results, reference, metrics=self.metrics, seed=self.config.seed)
        return BenchmarkOutcome(self.model, searches, results, ablations, tests, time.monotonic() - started,
                                self.folder, reference_single, self.config.protocol, self.config.left_out(), size,
                                self.config.fast)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The paired tests' metrics: the protocol's published ones first, then Recall@20 / NDCG@20."""
        return tuple(dict.fromkeys((*self.config.protocol.headline_metrics, "recall@20", "ndcg@20")))

    def _baseline_ensembles(self, searches: dict[str, SearchResult], size: int) -> list[MethodResult]:
        """Each seeded baseline as a seed ensemble of ``size`` models (scores summed), like MP2V's."""
        results = []
        exp = self.experiment
        for registry_name, seed_field in SEEDED.items():
            display = BASELINE_SPACES[registry_name][0]
            if registry_name not in self.config.baselines or display not in searches:
                continue

            def fit(params: dict[str, Any], stage: Stage, registry_name: str = registry_name,
                    seed_field: str = seed_field, display: str = display) -> FittedMethod:
                return methods.fit_baseline_ensemble(exp, registry_name, params, stage, name=display,
                                                     seed_field=seed_field)

            params = {**searches[display].best, "seeds": size}
            results.append(self.test(f"{display} x{size}", fit, params))
        if "LightGCN" in searches:  # the optional GNN baseline, seeded by its ``seed`` field
            gnn_fit = self._lightgcn_fit()
            if gnn_fit is not None:
                def gnn_ensemble(params: dict[str, Any], stage: Stage, fit_one: Fit = gnn_fit) -> FittedMethod:
                    return methods.seed_ensemble(fit_one, params, stage, name="LightGCN", seed_field="seed")

                results.append(self.test(f"LightGCN x{size}", gnn_ensemble,
                                         {**searches["LightGCN"].best, "seeds": size}))
        return results

    def _lightgcn_fit(self) -> Fit | None:
        """Fit of LightGCN from its flat parameters; None when the optional ``mp2v[gnn]`` extra is missing."""
        import importlib

        try:
            lightgcn = importlib.import_module("mp2v.models.lightgcn")
        except ModuleNotFoundError:
            return None
        if not torch_available():
            return None
        exp = self.experiment

        def fit(params: dict[str, Any], stage: Stage) -> FittedMethod:
            return exp.fit_baseline("LightGCN", lightgcn.LightGCN(lightgcn.LightGCNParams(**params)), stage)

        return fit

    def _gnn(self, searches: dict[str, SearchResult]) -> list[MethodResult]:
        fit = self._lightgcn_fit()
        if fit is None:
            self.log("LightGCN skipped: the optional extra is not installed (pip install 'mp2v[gnn]')")
            return []
        searches["LightGCN"] = self.search("LightGCN", GNN_SPACE, fit)
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
            params = {**self.config.trainer_params(), **params}
            if stage == "test" and "final_walks_per_node" in params:
                params = {**params, "walks_per_node": params["final_walks_per_node"]}
            # A finalist's extra seed is the seed ensembles' member of that offset (trained once, used by both).
            return methods.fit_mp2v(exp, params, stage, name=methods.MP2V_FIT_NAME, seed=self.config.seed,
                                    first_member=int(params.get(finalists.SEED_OFFSET, 0)))

        space = MP2V_SPACE
        if not _has_relationships(self.runner, self.model.feature_type):
            space = _without_mix(space, "features")
        if not _has_relationships(self.runner, self.model.follow_type):
            space = _without_mix(space, "follows")
        space = for_trainer(space, named=self.config.trainer != Trainer.GENSIM,
                            uses_torch=self.config.trainer.uses_torch)
        search = self.search("MP2V", space, fit, fast_axes=FAST_MP2V_AXES)
        count, seeds = self.config.finalists, self.config.finalist_seeds
        if self.config.quick:  # a smoke run still goes through the step, at its smallest
            count, seeds = min(count, 2), min(seeds, 2)
        # A schedule overrides walks per node, epochs and alpha: trials differing only there are one model.
        best = finalists.revalidate(search, lambda params: self._validate("MP2V", fit, params), count, seeds,
                                    self.log, model_of=lambda params: canonical(methods.apply_schedule(params)))
        sizes = (ENSEMBLE_SIZES[:2] if self.config.quick else FAST_ENSEMBLE_SIZES if self.config.fast
                 else ENSEMBLE_SIZES)
        self.log("seed ensembles of the best MP2V configuration")
        ensemble_trials = [self._validate("MP2V", fit, {**best, "seeds": size}) for size in sizes]
        chosen = max(ensemble_trials, key=Trial.score)
        search.at_edge += SearchSpace({}, [("seeds", sizes)], limits={"seeds": (1, None)}).at_edge(chosen.params)
        # metapath2vec++ (type-aware negatives, own kernel) as the same ensemble; validation picks the trainer.
        if self.config.typed_validation and not self.config.fast:
            self.log("the chosen ensemble with type-aware negatives (metapath2vec++)")
            typed = "torch-typed" if self.config.trainer.uses_torch else "numba-typed"
            ensemble_trials.append(self._validate("MP2V", fit, {**chosen.params, "trainer": typed}))
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
        ablations = [] if not self.config.ablations or self.config.fast else [
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
        ("walks that may step straight back (return weight 1)" if best.get("return_weight", 1.0) < 1.0 else
         "non-backtracking walks (return weight 0)",
         {**best, "return_weight": 1.0 if best.get("return_weight", 1.0) < 1.0 else 0.0}),
        *[(label, {**best, "init": init}) for init, label in (
            ("random", "random initialisation"), ("item2vec", "item vectors initialised from item2vec"),
            ("item2vec-frozen", "item vectors from item2vec, frozen")) if best.get("init", "random") != init],
        *([("without the low-rate tail", {**best, "tail": None})] if best.get("tail") else []),
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
