"""Variants of the chosen single MP2V model, judged on validation (test is read only with ``--test``).

    python -m bench.single_variants results/lastfm.json --set return_weight=0 --set return_weight=0.5 --seeds 3
    python -m bench.single_variants results/lastfm.json --set dimensions=768,sample=0.001,return_weight=1.0 \
        --set dimensions=768,sample=0.001,return_weight=0.0 --reference 1

Each ``--set axis=value[,axis=value]`` changes the single configuration the results file records for
R-MP2V; the variant and the configuration as chosen are trained at the same ``--seeds`` seeds (the
benchmark's seed + 0, 1, ...; the configuration as chosen and any variant already trained are reused from the
benchmark's stored runs) and judged on the validation rows. The table gives each one's seed-averaged
Recall@20 / NDCG@20, its per-seed Recall@20, and the paired per-user difference from the configuration as
chosen (or from the ``--reference``-th variant). A variant that wins here is a candidate for the benchmark's
search grid, where validation chooses and test is read once. With ``--test`` the probe itself makes that
choice among its variants (best validation Recall@20 + NDCG@20, as the benchmark chooses) and only then
reads test once, for the choice and the configuration as chosen, refitted on train + validation, against
iALS. Writes ``results/<results name>-variants.md`` (``--report`` names another).
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path
from typing import Any

from bench.gap_breakdown import METRICS, averaged, ci_text, holdout_results_benchmark, write_report
from mp2v.common.tables import markdown_table
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark


def parse_change(text: str) -> dict[str, Any]:
    """``axis=value[,axis=value]`` as a dict; values are Python literals (``0.5``, ``'uiu'``) or plain words."""
    change: dict[str, Any] = {}
    for part in text.split(","):
        axis, sep, value = part.partition("=")
        if not sep or not axis.strip() or not value.strip():
            raise SystemExit(f"--set {text!r}: write axis=value, e.g. --set return_weight=0.5")
        try:
            change[axis.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            change[axis.strip()] = value.strip()
    return change


def label_of(change: dict[str, Any]) -> str:
    return ", ".join(f"{axis}={value}" for axis, value in change.items()) or "as chosen"


def judge(bench: Benchmark, single: dict[str, Any], change: dict[str, Any], seeds: int,
          log: Any = print, stage: Stage = Stage.VALIDATION) -> list[MethodResult]:
    """The configuration with ``change`` at each seed, fitted for ``stage`` and judged on its rows
    (validation: fitted on train; test: on train + validation)."""
    experiment, found = bench.experiment, []
    for offset in range(seeds):
        # The benchmark's ensemble member of this seed: the configuration as chosen is reused.
        fitted = methods.fit_mp2v(experiment, {**single, **change}, stage, name=methods.MP2V_FIT_NAME,
                                  seed=bench.config.seed, first_member=offset)
        found.append(experiment.evaluate(fitted, stage, ks=(20,)))
        log(f"{label_of(change)}, seed offset {offset}: " + " / ".join(
            f"{found[-1].metrics[m]:.4f}" for m in METRICS))
    return found


def variant_rows(found: dict[str, list[MethodResult]], reference: int = 0) -> list[dict[str, str]]:
    """One row per variant: seed-averaged metrics, per-seed Recall@20, paired difference from the
    ``reference``-th (0: the first)."""
    mean = {name: averaged(runs, name) for name, runs in found.items()}
    reference_name = list(found)[reference]
    rows = []
    for name, runs in found.items():
        row = {"variant": name, **{m: f"{mean[name].metrics[m]:.4f}" for m in METRICS},
               "recall@20 per seed": " / ".join(f"{r.metrics['recall@20']:.4f}" for r in runs)}
        for metric in METRICS:
            row[f"{metric} − {reference_name} [95% CI] (p)"] = ("" if name == reference_name else ci_text(
                paired_comparison(mean[name].per_user[metric], mean[reference_name].per_user[metric])))
        rows.append(row)
    return rows


def best_by_validation(found: dict[str, list[MethodResult]]) -> str:
    """The variant with the highest seed-averaged Recall@20 + NDCG@20 (the benchmark's criterion)."""
    mean = {name: averaged(runs, name) for name, runs in found.items()}
    return max(found, key=lambda name: sum(mean[name].metrics[m] for m in METRICS))


def choose_and_read_test(bench: Benchmark, results: dict[str, Any], single: dict[str, Any],
                         changes: list[dict[str, Any]], found: dict[str, list[MethodResult]], seeds: int) -> str:
    """``--test``: the variant with the best seed-averaged validation Recall@20 + NDCG@20 (the configuration as
    chosen among them) is chosen here, before any test row is read; then it and the configuration as chosen
    are fitted on train + validation and judged once on test, against iALS with the settings the results file
    records (fitted the same way)."""
    best = best_by_validation(found)
    ials_params = next(r["params"] for r in results["results"] if r["name"] == "iALS")
    ials = bench.experiment.evaluate(methods.fit_baseline(bench.experiment, "ials", ials_params, Stage.TEST,
                                                          name="iALS"), Stage.TEST, ks=(20,))
    as_chosen = label_of({})
    to_test: dict[str, dict[str, Any]] = {as_chosen: {}} | {label_of(c): c for c in changes if label_of(c) == best}
    tested = {"iALS": ials} | {name: averaged(judge(bench, single, change, seeds, stage=Stage.TEST), name)
                               for name, change in to_test.items()}
    rows = [{"test (read once)": name, **{m: f"{r.metrics[m]:.4f}" for m in METRICS}} for name, r in tested.items()]
    pairs = [(name, "iALS") for name in to_test] + [(best, as_chosen)] * (best != as_chosen)
    compared = [{"comparison": f"{first} − {second}", **{
        f"{m} [95% CI] (p)": ci_text(paired_comparison(tested[first].per_user[m], tested[second].per_user[m]))
        for m in METRICS}} for first, second in pairs]
    return (f"Chosen on validation: {best}. Test, MP2V averaged over {seeds} seeds per user:\n\n"
            + markdown_table(rows) + "\n\n" + markdown_table(compared))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--set", dest="changes", action="append", type=parse_change, required=True,
                        help="axis=value[,axis=value]: one variant (repeat for more)")
    parser.add_argument("--seeds", type=int, default=3, help="models per variant (seed-averaged)")
    parser.add_argument("--reference", type=int, default=0,
                        help="the row every other is paired with: 0 the configuration as chosen, n the n-th --set")
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's split seed")
    parser.add_argument("--test", action="store_true",
                        help="choose the best by validation, then read test once for it and the configuration as "
                             "chosen (fitted on train + validation), against iALS")
    parser.add_argument("--report", default="variants",
                        help="the report's name after the results name (results/<name>-<report>.md)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    if not 0 <= args.reference <= len(args.changes):
        parser.error(f"--reference {args.reference}: give 0 (as chosen) to {len(args.changes)} (the last --set)")
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        chosen = next(r["params"] for r in results["results"] if r["name"] == "R-MP2V (single model)")
        single = {**bench.config.trainer_params(), **chosen}
        found = {label_of(change): judge(bench, single, change, args.seeds, log=lambda s: print(s, flush=True))
                 for change in [{}, *args.changes]}
        test = ("\n\n" + choose_and_read_test(bench, results, single, args.changes, found, args.seeds)
                if args.test else "")
    body = (f"The configuration as chosen: {', '.join(f'{k}={v}' for k, v in chosen.items())}.\n\n"
            + markdown_table(variant_rows(found, args.reference)) + test)
    write_report(args.results, args.report, "Variants of the chosen single MP2V model",
                 f"(validation rows, tuning fits, {args.seeds} seeds each, seed-averaged per user; test "
                 f"{'read once, after the choice' if args.test else 'never read'}). Paired per-user Wilcoxon "
                 f"tests and bootstrap CIs against {list(found)[args.reference]}.",
                 body, "bench.single_variants", argv, started)
    print(body)


if __name__ == "__main__":
    main()
