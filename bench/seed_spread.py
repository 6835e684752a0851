"""One model, many seeds: how much of a single-model comparison on test is the seed.

    python -m bench.seed_spread results/lastfm.json --members 16

The benchmark's single-model rows are one seed each (MP2V's at the benchmark seed, iALS's at
``random_state`` 0), while its ensembles hold ``--members`` seeds of the same settings. This probe judges
every member of the MP2V ensemble (its stored test-stage runs; nothing is trained again) and as many iALS
models (``random_state`` 0, 1, ...; fitted again, as the iALS ensemble's members are not stored) one by one
on the test rows, and prints each method's spread over seeds and the paired comparison of the seed-averaged
per-user metrics, the expected single model of each. Test was read by the benchmark; this reads the same
fits again to describe them, and chooses nothing. Writes ``results/<results name>-seeds.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.gap_breakdown import METRICS, holdout_results_benchmark, write_report
from bench.nested_refit import averaged, difference
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.config import SEEDED
from mp2v.experiments.benchmark.run import Benchmark

#: The name the benchmark's MP2V ensemble members are stored under (``MP2V-search-s<offset>``).
MP2V_FIT_NAME = "MP2V-search"


def members(bench: Benchmark, results: dict[str, Any], count: int, log: Any = print) -> dict[str, list[MethodResult]]:
    """Each seed's test result: MP2V's stored ensemble members and freshly fitted iALS models."""
    chosen = {r["name"]: r["params"] for r in results["results"]}
    experiment = bench.experiment
    single = {**bench.config.trainer_params(), **chosen["R-MP2V (single model)"]}
    found: dict[str, list[MethodResult]] = {"R-MP2V": [], "iALS": []}
    for offset in range(count):
        spec = methods.mp2v_spec(experiment.model, single, bench.config.seed + offset, f"{MP2V_FIT_NAME}-s{offset}")
        fitted = experiment.fit_mp2v(spec, Stage.TEST, reuse=True)
        if fitted.run is None or not any("reused stored run" in note for note in fitted.notes):
            log(f"note: MP2V seed offset {offset} had no stored test run and was trained now")
        found["R-MP2V"].append(experiment.evaluate(fitted, Stage.TEST, ks=(20,)))
        ials = methods.fit_baseline(experiment, "ials", {**chosen["iALS"], SEEDED["ials"]: offset}, Stage.TEST,
                                    name="iALS")
        found["iALS"].append(experiment.evaluate(ials, Stage.TEST, ks=(20,)))
        log(f"seed offset {offset}: " + ", ".join(
            f"{name} {runs[-1].metrics['recall@20']:.4f} / {runs[-1].metrics['ndcg@20']:.4f}"
            for name, runs in found.items()))
    return found


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
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's split seed")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        found = members(bench, results, args.members)
    mean_mp2v, mean_ials = averaged(found["R-MP2V"], "R-MP2V"), averaged(found["iALS"], "iALS")
    body = (spread_table(found) + "\n\nThe seed-averaged single model of each (per-user metrics averaged over the "
            "seeds), paired per user:\n\n" + markdown_table(
                [{"comparison": "R-MP2V − iALS", **difference(mean_mp2v, mean_ials)}]))
    write_report(args.results, "seeds", "One model, many seeds (test)",
                 "(MP2V: the stored test-stage members of the seed ensemble; iALS: random_state 0, 1, ... fitted "
                 "again; the benchmark read test, this describes the same fits and chooses nothing).", body,
                 "bench.seed_spread", argv, started)
    print(body)


if __name__ == "__main__":
    main()
