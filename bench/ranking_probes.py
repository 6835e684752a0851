"""What makes one MP2V model rank well (NDCG, not only recall) on the loaded dataset: one change at a time.

Reads the split of the loaded dataset's ``mp2v benchmark`` run (same protocol options, same seed) and the
configuration it chose (its results JSON), then fits that single model with one setting changed per row and
judges every row on **validation** only (test is never read), with a paired per-user test against the
reference row. The tuned baselines of the same JSON are refitted on validation beside them::

    mp2v benchmark --fast --min-interactions 5               # the run whose split and choice are probed
    python -m bench.ranking_probes results/filmtrust-holdout-min5-fast.json --min-interactions 5

Rows: the popularity prior's strength (a rescoring, no training); rating-aware walk weights (in-memory walks
over the training matrix with step weight ``r ** p``: p = 0 is uniform MP2V, p = 1 R-MP2V's rating-weighted
steps, larger p prefers the best-rated items more); the skip-gram window (shorter or longer contexts);
negatives per positive; the negative distribution's exponent; the training interactions as extra ``user
item`` sentences; and the follows metapath when the graph has follows. Written atomically to
``results/<dataset>-ranking-probes.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mp2v.common.files import atomic_path
from mp2v.config import checkout_root, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.config import BEST_MP2V
from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
from mp2v.experiments.benchmark.space import BASELINE_SPACES
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.experiments.protocols import Protocol, ProtocolConfig
from mp2v.models.mp2v import MP2V, MatrixWalks, Mp2vParams
from mp2v.training.gensim_sgns import TrainConfig

KS = (10, 20)
PRIORS = (0.1, 0.25, 0.5, 1.0, 2.0)
WEIGHT_POWERS = (0.0, 1.0, 2.0, 4.0)
WINDOWS = (1, 2, 3, 5, 8)
NEGATIVES = (3, 5, 10, 20, 40)
NS_EXPONENTS = (-0.5, -0.25, 0.0, 0.5, 0.75)
PAIRS = (1, 2, 4)


@dataclass
class ProbeRow:
    group: str
    label: str
    result: MethodResult
    seconds: float


def reference_params(path: Path) -> dict[str, Any]:
    """The benchmark's chosen MP2V configuration as one model (its ensemble size dropped)."""
    try:
        data = json.loads(path.read_text())
        best = next(row for row in data["results"] if row["name"] == BEST_MP2V)
    except (OSError, ValueError, KeyError, StopIteration) as error:
        raise ConfigError(f"{path}: no '{BEST_MP2V}' row in a benchmark results JSON ({error}); run "
                          "`mp2v benchmark` first and pass the JSON it wrote") from error
    return {k: v for k, v in best["params"].items() if k != "seeds"}


def baseline_params(path: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Display name -> (registry name, chosen params) of the tuned baselines in a results JSON."""
    registry = {display: name for name, (display, *_rest) in BASELINE_SPACES.items()}
    rows = json.loads(path.read_text())["results"]
    return {row["name"]: (registry[row["name"]], row["params"]) for row in rows if row["name"] in registry}


class Probes:
    def __init__(self, experiment: Experiment, reference: dict[str, Any], log: Callable[[str], None]) -> None:
        self.experiment, self.reference, self.log = experiment, reference, log
        self.rows: list[ProbeRow] = []

    def judge(self, group: str, label: str, fit: Callable[[], FittedMethod]) -> MethodResult:
        started = time.monotonic()
        result = self.experiment.evaluate(fit(), Stage.VALIDATION, ks=KS)
        self.rows.append(ProbeRow(group, label, result, time.monotonic() - started))
        self.log(f"{group:>22} {label:<28} R@20 {result.metrics['recall@20']:.4f} "
                 f"N@20 {result.metrics['ndcg@20']:.4f} ({self.rows[-1].seconds:.0f} s)")
        return result

    def graph(self, group: str, label: str, **change: Any) -> None:
        params = {**self.reference, **change}
        self.judge(group, label, lambda: methods.fit_mp2v(self.experiment, params, Stage.VALIDATION,
                                                          name=f"probe-{group}-{label}"))

    def weight_power(self, power: float) -> None:
        """In-memory User-Item-User walks whose steps follow ``rating ** power`` (the reference's training)."""
        params = methods.apply_schedule(self.reference)
        data = self.experiment.split.stage(Stage.VALIDATION)
        weighted = data.train.tocsr(copy=True)
        weighted.data = weighted.data.astype("float64") ** power
        walks = MatrixWalks(self.experiment.split.user_ids, self.experiment.split.item_ids,
                            walks_per_node=int(params["walks_per_node"]), walk_length=int(params["walk_length"]),
                            weighted=power != 0.0, seed=42)
        train = TrainConfig(dimensions=int(params["dimensions"]), window=int(params["window"]),
                            negative=int(params["negative"]), ns_exponent=float(params["ns_exponent"]),
                            epochs=int(params["epochs"]), alpha=float(params["alpha"]),
                            sample=float(params["sample"]), seed=42)
        model = MP2V(Mp2vParams(train=train, scoring=params["scoring"],
                                interaction_pairs=int(params.get("interaction_pairs", 0))), walks)

        def fit() -> FittedMethod:
            fitted = FittedMethod(f"r^{power:g}", model.fit(weighted).score, {}, {})
            prior = float(params.get("popularity_prior", 0.0))
            return methods.with_popularity_prior(fitted, data.train, prior) if prior else fitted

        self.judge("rating-aware weights", f"step weight r^{power:g}", fit)

    def run(self, baselines: dict[str, tuple[str, dict[str, Any]]]) -> None:
        ref = self.reference
        self.graph("reference", "benchmark's choice")
        for name, (registry_name, params) in baselines.items():
            def fit_baseline(registry_name: str = registry_name, params: dict[str, Any] = params,
                             name: str = name) -> FittedMethod:
                return methods.fit_baseline(self.experiment, registry_name, params, Stage.VALIDATION, name=name)

            self.judge("tuned baseline", name, fit_baseline)
        for prior in (0.0, *PRIORS):
            if prior != ref.get("popularity_prior", 0.0):
                self.graph("popularity prior", f"strength {prior:g}", popularity_prior=prior)
        for power in WEIGHT_POWERS:
            self.weight_power(power)
        for axis, values in (("window", WINDOWS), ("negative", NEGATIVES), ("ns_exponent", NS_EXPONENTS),
                             ("interaction_pairs", (0, *PAIRS))):
            for value in values:
                if value != ref.get(axis, 0):
                    self.graph(axis, f"{axis} {value:g}", **{axis: value})
        if self.experiment.model.follow_type and "follows" not in str(ref["metapaths"]):
            self.graph("metapaths", f"{ref['metapaths']}+follows", metapaths=f"{ref['metapaths']}+follows")


def report(probes: Probes, dataset: str, command: str, seconds: float) -> str:
    reference = probes.rows[0].result
    lines = [f"# What makes one MP2V model rank well: {dataset}", "",
             f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} in {seconds / 60:.1f} min. Validation "
             "only (test never read); each row changes one setting of the benchmark's chosen single model "
             "(the reference row). Paired per-user Wilcoxon tests against the reference; Δ = row − reference.",
             "", f"Reference: `{json.dumps(probes.reference, sort_keys=True)}`", "",
             "| change | setting | R@10 | R@20 | N@10 | N@20 | ΔN@20 | p (N@20) | ΔR@20 | p (R@20) | s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in probes.rows:
        m = row.result.metrics
        cells = [row.group, row.label, *(f"{m[k]:.4f}" for k in ("recall@10", "recall@20", "ndcg@10", "ndcg@20"))]
        for metric in ("ndcg@20", "recall@20"):
            if row is probes.rows[0]:
                cells += ["–", "–"]
                continue
            test = paired_comparison(row.result.per_user[metric], reference.per_user[metric], seed=0)
            cells += [f"{test.mean_diff:+.4f}", f"{test.p_value:.2g}"]
        lines.append("| " + " | ".join([*cells, f"{row.seconds:.0f}"]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="the benchmark's results JSON (its chosen MP2V is probed)")
    parser.add_argument("--protocol", type=Protocol, default=Protocol.HOLDOUT)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--min-interactions", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    reference = reference_params(args.results)
    settings = load_settings()
    started = time.monotonic()
    config = BenchmarkConfig(seed=args.seed, protocol=ProtocolConfig(args.protocol, args.test_fraction,
                                                                     args.min_interactions))
    with QueryRunner(settings.neo4j) as runner:
        bench = Benchmark(runner, settings, config, log=lambda _: None)
        probes = Probes(bench.experiment, reference, log=lambda line: print(line, flush=True))
        probes.run(baseline_params(args.results))
    dataset = bench.model.dataset
    command = "python -m bench.ranking_probes " + " ".join(argv if argv is not None else sys.argv[1:])
    target = (checkout_root() or Path.cwd()) / "results" / f"{dataset}-ranking-probes.md"
    with atomic_path(target) as temporary:
        temporary.write_text(report(probes, dataset, command, time.monotonic() - started))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
