"""One model, many seeds: how much of a single-model comparison is the seed.

    python -m bench.seed_spread results/lastfm.json --members 16
    python -m bench.seed_spread results/lastfm.json --members 16 --stage validation --trainer numba-typed

The benchmark's single-model rows are one seed each (MP2V's at the benchmark seed, iALS's at
``random_state`` 0), while its ensembles hold ``--members`` seeds of the same settings. This probe judges
every member of the MP2V ensemble (the ensemble trial's stored runs; nothing is trained again) and as many
iALS models (``random_state`` 0, 1, ...; fitted again, as the iALS ensemble's members are not stored) one by
one, and prints each method's spread over seeds and the paired comparison of the seed-averaged per-user
metrics, the expected single model of each.

``--stage test`` (the default) judges the final fits on the test rows: test was read by the benchmark, and
this describes the same fits and chooses nothing (``results/<results name>-seeds.md``). ``--stage
validation`` judges the tuning fits on the validation rows, where a choice may be made; ``--trainer`` adds
MP2V trained by another trainer, whose seed-ensemble trial stored its members too
(``results/<results name>-seeds-validation.md``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.gap_breakdown import METRICS, averaged, holdout_results_benchmark, write_report
from bench.nested_refit import difference
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.config import SEEDED
from mp2v.experiments.benchmark.run import Benchmark
from mp2v.experiments.experiment import FittedMethod
from mp2v.types import Trainer


def members(bench: Benchmark, results: dict[str, Any], count: int, stage: Stage, trainers: list[str],
            log: Any = print, judged_on: tuple[Stage, ...] = ()) -> dict[Stage, dict[str, list[MethodResult]]]:
    """Each seed's ``stage`` fit judged on the rows of every stage in ``judged_on`` (default: its own), by those
    rows: MP2V's stored ensemble members (also trained with each of ``trainers``, whose ensemble trials store
    theirs) and freshly fitted iALS models (each fitted once, however many row sets judge it)."""
    judged_on = judged_on or (stage,)
    chosen = {r["name"]: r["params"] for r in results["results"]}
    experiment = bench.experiment
    single = {**bench.config.trainer_params(), **chosen["R-MP2V (single model)"]}
    variants = {"R-MP2V": single} | {f"R-MP2V, trainer={t}": {**single, "trainer": t} for t in trainers}
    found = {rows: {name: [] for name in [*variants, "iALS"]} for rows in judged_on}

    def judge(name: str, fitted: FittedMethod) -> None:
        for rows, by_name in found.items():
            by_name[name].append(experiment.evaluate(fitted, rows, ks=(20,)))

    for offset in range(count):
        for name, params in variants.items():
            fitted = methods.fit_mp2v(experiment, params, stage, name=methods.MP2V_FIT_NAME,
                                      seed=bench.config.seed, first_member=offset)
            if not any("reused stored run" in note for note in fitted.notes):
                log(f"note: {name} at seed offset {offset} had no stored {stage} run and was trained now")
            judge(name, fitted)
        judge("iALS", methods.fit_baseline(experiment, "ials", {**chosen["iALS"], SEEDED["ials"]: offset}, stage,
                                           name="iALS"))
        for rows, by_name in found.items():
            log(f"seed offset {offset}, {rows} rows: " + ", ".join(
                f"{name} {runs[-1].metrics['recall@20']:.4f} / {runs[-1].metrics['ndcg@20']:.4f}"
                for name, runs in by_name.items()))
    return found


def comparisons(found: dict[str, list[MethodResult]]) -> str:
    """The seed-averaged single model of every MP2V row against iALS's, and each trainer against the first."""
    mean = {name: averaged(runs, name) for name, runs in found.items()}
    mp2v = [name for name in found if name != "iALS"]
    rows = [{"comparison": f"{name} − iALS", **difference(mean[name], mean["iALS"])} for name in mp2v]
    rows += [{"comparison": f"{name} − {mp2v[0]}", **difference(mean[name], mean[mp2v[0]])} for name in mp2v[1:]]
    return markdown_table(rows)


def spread_table(found: dict[str, list[MethodResult]]) -> str:
    rows = []
    for name, runs in found.items():
        row: dict[str, str] = {"method": name, "seeds": str(len(runs))}
        for metric in METRICS:
            values = np.array([r.metrics[metric] for r in runs])
            row[f"{metric} first seed"] = f"{values[0]:.4f}"
            row[f"{metric} mean ± sd"] = f"{values.mean():.4f} ± {values.std(ddof=1):.4f}"
            row[f"{metric} min–max"] = f"{values.min():.4f}–{values.max():.4f}"
        rows.append(row)
    return markdown_table(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--members", type=int, default=16, help="seeds per method (at most the ensemble's size)")
    parser.add_argument("--stage", type=Stage, choices=list(Stage), default=Stage.TEST,
                        help="test: the final fits on the test rows; validation: the tuning fits on validation")
    parser.add_argument("--trainer", nargs="*", default=[], choices=[t.value for t in Trainer if t != Trainer.GENSIM],
                        help="MP2V trained by these trainers too (their seed-ensemble trial's stored members)")
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's split seed")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        found = members(bench, results, args.members, args.stage, args.trainer)[args.stage]
    body = (spread_table(found) + "\n\nThe seed-averaged single model of each (per-user metrics averaged over the "
            "seeds), paired per user:\n\n" + comparisons(found))
    reading = ("the benchmark read test; this describes the same fits and chooses nothing"
               if args.stage == Stage.TEST else "validation rows, tuning fits: test never read")
    suffix = "seeds" if args.stage == Stage.TEST else "seeds-validation"
    write_report(args.results, suffix, f"One model, many seeds ({args.stage})",
                 "(MP2V: the stored members of the seed-ensemble trials; iALS: random_state 0, 1, ... fitted "
                 f"again; {reading}).", body, "bench.seed_spread", argv, started)
    print(body)


if __name__ == "__main__":
    main()
