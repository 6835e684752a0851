"""What the refit on more rows gives each method, measured inside the tuning data (test is never read).

    python -m bench.nested_refit results/lastfm.json --seeds 3 --final-schedule 25x3@0.025 20x4@0.025

The benchmark tunes on train and refits on train + validation (25 % more rows) before its one test reading.
``bench.refit_swing`` found one MP2V model gaining less than iALS from that refit. This probe repeats the
refit one level down, where a rule for it may be chosen: it holds out a further 20 % of every user's
training rows (seeded; users with one training row keep it), fits each method on the rest ("smaller") and on
all training rows ("larger"), and judges both on the benchmark's validation rows, ranking what the
benchmark's validation stage ranks (the rows left out of the smaller fit are skipped in its ranking too).
The split is marked on the graph on its own ``holdout_nested_<key>`` property, so the smaller fit's walks
skip those rows too.

Methods: iALS and the single MP2V configuration, as ``results`` records their choices, MP2V at ``--seeds``
seeds; and MP2V's larger fit under each ``--final-schedule`` (walks per node x epochs @ alpha, e.g. walks
scaled with the rows as ``scale_walks_to_data`` does). Paired per-user tests on the seed-averaged metrics.
Writes ``results/<results name>-nested-refit.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bench.gap_breakdown import METRICS, averaged, ci_text, holdout_results_benchmark, write_report
from bench.quality_probes import drop_share
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.split import fingerprint
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark
from mp2v.experiments.experiment import Experiment
from mp2v.experiments.protocols import mark_parts

#: The share of every user's training rows the smaller fit leaves out: the benchmark's validation share,
#: so the larger fit has 25 % more rows, as the final fit has.
INNER_SHARE = 0.2


def nested_split(outer: EvaluationSplit, seed: int) -> tuple[EvaluationSplit, dict[str, sp.csr_matrix]]:
    """The benchmark's tuning data split once more (train = train minus ``inner``; judged on validation), and
    the parts its walks must skip, by the name they are marked with on the graph."""
    inner = (outer.tuning_train - drop_share(outer.tuning_train, INNER_SHARE, seed=seed)).tocsr()
    inner.eliminate_zeros()
    prop = "holdout_nested_" + hashlib.sha256(
        f"{outer.holdout_property} seed={seed} inner={fingerprint(inner)}".encode()).hexdigest()[:12]
    nested = EvaluationSplit(
        protocol=f"{outer.protocol}-nested", dataset=outer.dataset, seed=seed, user_ids=outer.user_ids,
        item_ids=outer.item_ids, tuning_train=(outer.tuning_train - inner).tocsr(), final_train=outer.tuning_train,
        # The nested "validation" is never judged on: it names what the larger fit's ranking skips besides its
        # training rows, the rows held out of the smaller fit and the benchmark's test rows (the benchmark's
        # validation ranking skips its test rows too).
        validation=((inner + outer.test) != 0).astype(np.float32).tocsr(), test=outer.validation,
        tuning_walk_exclusions=("test", "validation", "inner"), final_walk_exclusions=("test", "validation"),
        candidate_items=outer.candidate_items, item_features=outer.item_features, holdout_property=prop)
    return nested, {"test": outer.test, "validation": outer.validation, "inner": inner}


def nested_experiment(bench: Benchmark, seed: int) -> Experiment:
    """An experiment on :func:`nested_split`, marked on the graph on its own property."""
    outer = bench.split
    nested, parts = nested_split(outer, seed)
    mark_parts(bench.runner, bench.model, outer.user_ids, outer.item_ids, nested.holdout_property, parts)
    experiment = bench.experiment
    return Experiment(bench.runner, nested, bench.model, experiment.store, experiment.workdir,
                      progress=False, keep_gensim_models=False)


def difference(first: MethodResult, second: MethodResult) -> dict[str, str]:
    row = {}
    for metric in METRICS:
        paired = paired_comparison(first.per_user[metric], second.per_user[metric])
        row[f"{metric}: first − second [95% CI] (p)"] = ci_text(paired)
    return row


def probe(bench: Benchmark, results: dict[str, Any], seeds: int, schedules: list[str], seed: int,
          log: Any = print) -> str:
    experiment = nested_experiment(bench, seed)
    chosen = {r["name"]: r["params"] for r in results["results"]}
    mp2v = {k: v for k, v in chosen["R-MP2V (single model)"].items() if k not in ("seeds", "seed_offset")}
    mp2v = {**bench.config.trainer_params(), **mp2v}
    found: dict[str, MethodResult] = {}

    def judge(label: str, fits: list[Any]) -> None:
        found[label] = averaged([experiment.evaluate(f, Stage.TEST, ks=(20,)) for f in fits], label)
        log(f"{label}: " + " ".join(f"{m} {found[label].metrics[m]:.4f}" for m in METRICS))

    def mp2v_fits(params: dict[str, Any], stage: Stage) -> list[Any]:
        return [methods.fit_mp2v(experiment, params, stage, name="MP2V-nested", seed=bench.config.seed + s)
                for s in range(seeds)]

    for stage, size in ((Stage.VALIDATION, "smaller"), (Stage.TEST, "larger")):
        judge(f"iALS, {size}", [methods.fit_baseline(experiment, "ials", chosen["iALS"], stage, name="iALS")])
        judge(f"R-MP2V, {size}", mp2v_fits(mp2v, stage))
    for schedule in schedules:
        judge(f"R-MP2V, larger, {schedule}", mp2v_fits({**mp2v, "schedule": schedule}, Stage.TEST))
    rows = []
    for label, result in found.items():
        row = {"fit": label, **{m: f"{result.metrics[m]:.4f}" for m in METRICS}}
        method = label.split(",")[0]
        if label != f"{method}, smaller":
            row |= {f"gain {m}": f"{result.metrics[m] - found[f'{method}, smaller'].metrics[m]:+.4f}"
                    for m in METRICS}
        rows.append(row)
    gains = [{"comparison": "R-MP2V − iALS, smaller", **difference(found["R-MP2V, smaller"], found["iALS, smaller"])},
             {"comparison": "R-MP2V − iALS, larger", **difference(found["R-MP2V, larger"], found["iALS, larger"])}]
    gains += [{"comparison": f"{schedule} − as tuned, larger",
               **difference(found[f"R-MP2V, larger, {schedule}"], found["R-MP2V, larger"])} for schedule in schedules]
    return markdown_table(rows) + "\n\n" + markdown_table(gains)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--seeds", type=int, default=3, help="MP2V fits per configuration (seed-averaged)")
    parser.add_argument("--final-schedule", nargs="*", default=["25x3@0.025"],
                        help="MP2V schedules (walks x epochs @ alpha) tried for the larger fit")
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's split seed")
    parser.add_argument("--inner-seed", type=int, default=7, help="the seed of the further 20 %% held out")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        body = probe(bench, results, args.seeds, args.final_schedule, args.inner_seed)
    write_report(args.results, "nested-refit", "The refit on 25 % more rows, one level down",
                 f"(train minus a further {INNER_SHARE:.0%} of every user's rows, seed {args.inner_seed}, against all "
                 f"training rows, both judged on the validation rows; MP2V averaged over {args.seeds} seeds; "
                 "test never read). Paired per-user Wilcoxon tests and bootstrap CIs.", body,
                 "bench.nested_refit", argv, started)
    print(body)


if __name__ == "__main__":
    main()
