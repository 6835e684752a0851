"""Where a lead on validation goes on test: the held-out rows, or the refit on train + validation.

    python -m bench.refit_swing results/lastfm.json --model "R-MP2V (single model)" --against iALS

The benchmark chooses on validation with every method fitted on train, then fits the chosen settings again on
train + validation and judges them on test. When a method leads on validation and trails on test, two things
changed at once: the rows it is judged on and the model. This probe separates them. For both rows of the
results file it takes

- the tuning fit (train only: the validation trial's stored run for MP2V, a fresh fit for a baseline), judged
  on the validation rows and on the test rows (validation items are excluded from that ranking like training
  items, so the two fits rank the same candidates), and
- the final fit, judged on the test rows (the benchmark's cached test result; nothing refitted),

and prints each method's Recall@20 / NDCG@20 with the paired difference. If the tuning fits keep the lead on
the test rows, the refit loses it; if they already trail there, the validation lead belonged to the
validation rows (selection on a fixed set). Test was read once by the benchmark; this reads it again only to
explain that reading. Writes ``results/<results name>-refit.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.gap_breakdown import METRICS, cached_result, ci_text, holdout_results_benchmark, write_report
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark
from mp2v.experiments.benchmark.space import BASELINE_SPACES
from mp2v.experiments.experiment import FittedMethod


def tuning_fit(bench: Benchmark, name: str, params: dict[str, Any]) -> FittedMethod:
    """``name``'s settings fitted on train only, as its validation trial was."""
    experiment = bench.experiment
    registry = {display: key for key, (display, _space) in BASELINE_SPACES.items()}
    if name in registry:
        return methods.fit_baseline(experiment, registry[name], params, Stage.VALIDATION, name=name)
    if "MP2V" not in name:
        raise SystemExit(f"{name!r} is neither MP2V nor a registry baseline ({', '.join(registry)})")
    mp2v_params = {**bench.config.trainer_params(), **params}
    return methods.fit_mp2v(experiment, mp2v_params, Stage.VALIDATION, name=methods.MP2V_FIT_NAME,
                            seed=bench.config.seed, first_member=int(params.get("seed_offset", 0)))


def comparison_row(fit: str, rows: str, first: MethodResult, second: MethodResult) -> dict[str, str]:
    row = {"fit": fit, "judged on": f"{rows} ({first.users.size} users)"}
    for metric in METRICS:
        paired = paired_comparison(first.per_user[metric], second.per_user[metric])
        row[f"{first.name} {metric}"] = f"{paired.mean_a:.4f}"
        row[f"{second.name} {metric}"] = f"{paired.mean_b:.4f}"
        row[f"difference [95% CI] (p) {metric}"] = ci_text(paired)
    return row


def swing(bench: Benchmark, results: dict[str, Any], model: str, against: str) -> str:
    finals = [cached_result(bench, results, name) for name in (model, against)]
    judged: dict[Stage, list[MethodResult]] = {Stage.VALIDATION: [], Stage.TEST: []}
    for final in finals:
        fitted = tuning_fit(bench, final.name, final.params)
        fitted.name = final.name
        for stage, found in judged.items():
            found.append(bench.experiment.evaluate(fitted, stage, ks=(20,)))
    rows = [comparison_row("tuning (train)", "validation rows", *judged[Stage.VALIDATION]),
            comparison_row("tuning (train)", "test rows", *judged[Stage.TEST]),
            comparison_row("final (train + validation)", "test rows", *finals)]
    return markdown_table(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--model", default="R-MP2V (single model)", help="the row that led on validation")
    parser.add_argument("--against", default="iALS", help="the row it is compared with")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        body = swing(bench, results, args.model, args.against)
    write_report(args.results, "refit", f"{args.model} against {args.against}: validation rows, test rows, refit",
                 "(tuning fits learn from train only, MP2V's being the validation trial's stored run; on the test "
                 "rows their ranking excludes training and validation items, as the final fit's does). Paired "
                 "per-user Wilcoxon tests and bootstrap CIs; difference = first − second.", body,
                 "bench.refit_swing", argv, started)
    print(body)


if __name__ == "__main__":
    main()
