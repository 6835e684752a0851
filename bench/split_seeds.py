"""One model against iALS on other splits: is the single-model comparison a property of one split's rows?

    python -m bench.split_seeds results/lastfm.json --splits 42 7 13 21 --seeds 3

On the benchmark's split (seed 42) one R-MP2V model is ahead of iALS on the validation rows and behind it on
the test rows, over 16 seeds of each (``bench.seed_spread``). One split cannot tell a real difference between
the two row sets from chance, so this probe draws the holdout split again with other seeds (each marked on
the graph on its own property, with its own benchmark folder, so MP2V's fits are stored and a stopped run
resumes) and, on every split, fits the settings ``results`` records for R-MP2V and iALS unchanged

- at the validation stage (trained on the split's train rows), judged on its validation rows and on its
  test rows (validation items excluded from that ranking like training items, as in ``bench.refit_swing``),
- at the test stage (trained on train + validation), judged on its test rows,

``--seeds`` models of each (MP2V at the split seed + 0, 1, ...; iALS at ``random_state`` 0, 1, ...). The
settings were chosen on split 42's validation rows; on the other splits they are a fixed configuration, the
same for both methods, and nothing is chosen here. Per split and fit it prints the seed-averaged
R-MP2V − iALS difference (paired per user), then each fit's mean over the splits: the change from the first
line to the second is the rows', from the second to the third the refit's. Writes
``results/<results name>-splits.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.gap_breakdown import METRICS, averaged, ci_text, holdout_results_benchmark, write_report
from bench.seed_spread import members
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.stages import Stage

#: (fits, rows they are judged on): the tuning fits on the validation and the test rows, the final fits on test.
FITS = ((Stage.VALIDATION, (Stage.VALIDATION, Stage.TEST)), (Stage.TEST, (Stage.TEST,)))


def fit_label(fits: Stage, rows: Stage) -> str:
    return f"{'tuning' if fits == Stage.VALIDATION else 'final'} fits, {rows} rows"


def split_row(split: int, label: str, found: dict[str, list[MethodResult]]) -> dict[str, Any]:
    """One split and fit: both methods' seed-averaged metrics and their paired difference."""
    mp2v, ials = averaged(found["R-MP2V"], "R-MP2V"), averaged(found["iALS"], "iALS")
    row: dict[str, Any] = {"split": split, "fit": label, "users": len(mp2v.per_user[METRICS[0]])}
    for metric in METRICS:
        paired = paired_comparison(mp2v.per_user[metric], ials.per_user[metric])
        row[f"{metric} R-MP2V / iALS"] = f"{mp2v.metrics[metric]:.4f} / {ials.metrics[metric]:.4f}"
        row[f"{metric} R-MP2V − iALS [95% CI] (p)"] = ci_text(paired)
        row[f"_{metric}"] = paired.mean_diff
    return row


def summary(rows: list[dict[str, Any]]) -> str:
    """Each fit's difference over the splits: mean ± sd (sample), range and how many splits MP2V leads."""
    lines = []
    for label in dict.fromkeys(r["fit"] for r in rows):
        fit_rows = [r for r in rows if r["fit"] == label]
        line: dict[str, str] = {"fit": label, "splits": str(len(fit_rows))}
        for metric in METRICS:
            values = np.array([r[f"_{metric}"] for r in fit_rows])
            spread = f" ± {values.std(ddof=1):.4f}" if len(values) > 1 else ""
            line[f"{metric} R-MP2V − iALS, mean ± sd"] = f"{values.mean():+.4f}{spread}"
            line[f"{metric} range"] = f"{values.min():+.4f} to {values.max():+.4f}"
            line[f"{metric} splits R-MP2V ahead"] = f"{int((values > 0).sum())} of {len(values)}"
        lines.append(line)
    return markdown_table(lines)


def report(rows: list[dict[str, Any]]) -> str:
    shown = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    return (markdown_table(shown) + "\n\nOver the splits (each split's seed-averaged difference counts once):\n\n"
            + summary(rows))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--splits", type=int, nargs="+", default=[42, 7, 13, 21], help="holdout split seeds")
    parser.add_argument("--seeds", type=int, default=3, help="models per method, split and fit (seed-averaged)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    started = time.monotonic()
    rows = []
    for split in dict.fromkeys(args.splits):  # each split once, in the order given
        with holdout_results_benchmark(args.results, split) as (bench, results):
            for fits, judged_on in FITS:
                print(f"split {split}, {fits} fits:", flush=True)
                found = members(bench, results, args.seeds, fits, [], judged_on=judged_on,
                                log=lambda line: print("  " + line, flush=True))
                for judged in judged_on:
                    rows.append(split_row(split, fit_label(fits, judged), found[judged]))
                    print(report(rows[-1:]), flush=True)
    write_report(args.results, "splits", "One model against iALS on other holdout splits",
                 f"(R-MP2V and iALS with the settings the results file records, chosen on split 42's validation "
                 f"rows, {args.seeds} seeds each, seed-averaged per user; tuning fits learn from train, final fits "
                 "from train + validation; on the test rows the ranking excludes training and validation items). "
                 "Paired per-user Wilcoxon tests and bootstrap CIs.",
                 report(rows), "bench.split_seeds", argv, started)
    print(report(rows))


if __name__ == "__main__":
    main()
