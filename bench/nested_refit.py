"""What the refit on more rows gives each method, measured inside the tuning data (test is never read).

    python -m bench.nested_refit results/lastfm.json --seeds 3 --variant schedule=25x3@0.025 dimensions=960

The benchmark tunes on train and refits on train + validation (25 % more rows) before its one test reading.
``bench.refit_swing`` found one MP2V model gaining less than iALS from that refit. This probe repeats the
refit one level down, where a rule for it may be chosen: it holds out a further 20 % of every user's
training rows (seeded; users with one training row keep it), fits each method on the rest ("smaller") and on
all training rows ("larger"), and judges both on the benchmark's validation rows, ranking what the
benchmark's validation stage ranks (the rows left out of the smaller fit are skipped in its ranking too).
The split is marked on the graph on its own ``holdout_nested_<key>`` property, so the smaller fit's walks
skip those rows too.

Methods: iALS and the single MP2V configuration, as ``results`` records their choices, MP2V at ``--seeds``
seeds; and MP2V's larger fit under each ``--variant``: settings that override the tuned ones for the larger
fit only (``key=value[,key=value]``, e.g. ``schedule=25x3@0.025`` for walks scaled with the rows as
``scale_walks_to_data`` does). Paired per-user tests on the seed-averaged metrics.

The larger fit learns from the rows the benchmark tuned on and is judged on the rows it tuned by, so the
configuration as tuned may be favoured there by the search's own selection.
``--both-sizes`` measures where each size's optimum lies on rows no choice has seen: every variant is also
fitted at the smaller size and judged on the rows held out of it (the further 20 %; the benchmark's
validation and test rows skipped in that ranking). A variant ahead of the configuration as tuned at the
smaller size but behind it at the larger says the optimum moves with the rows (a rule for the refit);
behind at both says it does not.

Writes ``results/<results name>-nested-refit.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import replace
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
from mp2v.experiments.benchmark.space import NEUTRAL, SEED_OFFSET
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


def nested_experiment(bench: Benchmark, seed: int) -> tuple[Experiment, Experiment]:
    """An experiment on :func:`nested_split`, marked on the graph on its own property, and one that judges its
    smaller fits (validation stage) on the rows held out of them (:func:`inner_rows_split`)."""
    outer = bench.split
    nested, parts = nested_split(outer, seed)
    mark_parts(bench.runner, bench.model, outer.user_ids, outer.item_ids, nested.holdout_property, parts)
    store, workdir = bench.experiment.store, bench.experiment.workdir

    def on(split: EvaluationSplit) -> Experiment:
        return Experiment(bench.runner, split, bench.model, store, workdir, progress=False, keep_gensim_models=False)

    return on(nested), on(inner_rows_split(nested, parts))


def inner_rows_split(nested: EvaluationSplit, parts: dict[str, sp.csr_matrix]) -> EvaluationSplit:
    """``nested`` with its validation stage judged on the inner rows (the smaller fit's own held-out rows), the
    benchmark's validation and test rows skipped in that ranking. Only its validation stage is ever judged."""
    skipped = ((parts["validation"] + parts["test"]) != 0).astype(np.float32).tocsr()
    return replace(nested, validation=(parts["inner"] != 0).astype(np.float32).tocsr(), test=skipped)


#: The label of a smaller fit judged on the rows held out of it (--both-sizes).
HELD_OUT = "smaller on its held-out rows"
BOTH_SIZES_NOTE = (" (with --both-sizes every variant is also fitted at the smaller size and judged on the "
                   f"{INNER_SHARE:.0%} of training rows held out of it)")


def parse_variant(text: str, tuned: dict[str, Any]) -> dict[str, Any]:
    """``key=value[,key=value]`` as overrides of the ``tuned`` MP2V settings, each value of the tuned one's type
    (an axis the tuned configuration leaves out is at its NEUTRAL value; any other key is refused: it would be
    silently ignored)."""
    overrides: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = (piece.strip() for piece in part.partition("="))
        if not sep or not key or not value:
            raise SystemExit(f"--variant {text!r}: write key=value[,key=value], e.g. schedule=25x3@0.025")
        known = {**{k: v for k, v in NEUTRAL.items() if k != SEED_OFFSET}, **tuned}  # absent axes: their neutral value
        if key not in known:
            raise SystemExit(f"--variant {text!r}: {key!r} is not an MP2V setting; choose from "
                             f"{', '.join(sorted(known))}")
        kind = str if known[key] is None else type(known[key])
        try:
            overrides[key] = (value.lower() in ("1", "true", "yes")) if kind is bool else kind(value)
        except ValueError:
            raise SystemExit(f"--variant {text!r}: {key} needs a value like {known[key]!r}, not {value!r}") from None
    return overrides


def difference(first: MethodResult, second: MethodResult) -> dict[str, str]:
    row = {}
    for metric in METRICS:
        paired = paired_comparison(first.per_user[metric], second.per_user[metric])
        row[f"{metric}: first − second [95% CI] (p)"] = ci_text(paired)
    return row


def tuned_settings(bench: Benchmark, results: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every method's recorded settings by name, and the single MP2V model's as one fit takes them."""
    chosen = {r["name"]: r["params"] for r in results["results"]}
    mp2v = {k: v for k, v in chosen["R-MP2V (single model)"].items() if k not in ("seeds", SEED_OFFSET)}
    return chosen, {**bench.config.trainer_params(), **mp2v}


def probe(bench: Benchmark, results: dict[str, Any], seeds: int, variants: list[str], seed: int,
          both_sizes: bool = False, log: Any = print) -> str:
    experiment, on_inner_rows = nested_experiment(bench, seed)
    chosen, mp2v = tuned_settings(bench, results)
    overrides = {variant: parse_variant(variant, mp2v) for variant in variants}  # refused before any fit
    found: dict[str, MethodResult] = {}
    held_out: dict[str, MethodResult] = {}  # --both-sizes: smaller fits on their held-out rows, by variant

    def judge(label: str, fits: list[Any], judge_by: Experiment = experiment,
              stage: Stage = Stage.TEST) -> MethodResult:
        result = averaged([judge_by.evaluate(f, stage, ks=(20,)) for f in fits], label)
        log(f"{label}: " + " ".join(f"{m} {result.metrics[m]:.4f}" for m in METRICS))
        return result

    def mp2v_fits(params: dict[str, Any], stage: Stage) -> list[Any]:
        return [methods.fit_mp2v(experiment, params, stage, name="MP2V-nested", seed=bench.config.seed + s)
                for s in range(seeds)]

    for stage, size in ((Stage.VALIDATION, "smaller"), (Stage.TEST, "larger")):
        found[f"iALS, {size}"] = judge(f"iALS, {size}", [methods.fit_baseline(experiment, "ials", chosen["iALS"],
                                                                              stage, name="iALS")])
        found[f"R-MP2V, {size}"] = judge(f"R-MP2V, {size}", mp2v_fits(mp2v, stage))
    for variant, changed in overrides.items():
        found[f"R-MP2V, larger, {variant}"] = judge(f"R-MP2V, larger, {variant}",
                                                    mp2v_fits({**mp2v, **changed}, Stage.TEST))
    sizes = ""
    if both_sizes:  # the smaller fits are stored: as tuned, they are the ones fitted above
        for variant, changed in {"as tuned": {}, **overrides}.items():
            held_out[variant] = judge(f"{HELD_OUT}, {variant}", mp2v_fits({**mp2v, **changed}, Stage.VALIDATION),
                                      on_inner_rows, Stage.VALIDATION)
        sizes = "\n\n" + sizes_table(found, held_out)
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
    gains += [{"comparison": f"{variant} − as tuned, larger",
               **difference(found[f"R-MP2V, larger, {variant}"], found["R-MP2V, larger"])} for variant in variants]
    return markdown_table(rows) + "\n\n" + markdown_table(gains) + sizes


def sizes_table(found: dict[str, MethodResult], held_out: dict[str, MethodResult]) -> str:
    """Each variant against the configuration as tuned at both sizes, each judged on rows it did not learn from:
    the smaller fit on its held-out rows (``held_out``, by variant; no choice saw them), the larger on
    validation (``found``; the search's rows)."""
    rows = []
    for variant in [v for v in held_out if v != "as tuned"]:
        smaller = difference(held_out[variant], held_out["as tuned"])
        larger = difference(found[f"R-MP2V, larger, {variant}"], found["R-MP2V, larger"])
        rows.append({"variant − as tuned": variant,
                     **{f"smaller, held-out rows: {k}": v for k, v in smaller.items()},
                     **{f"larger, validation rows: {k}": v for k, v in larger.items()}})
    levels = markdown_table([{"fit": f"{HELD_OUT}, {variant}", **{m: f"{result.metrics[m]:.4f}" for m in METRICS}}
                             for variant, result in held_out.items()])
    return levels + "\n\n" + markdown_table(rows)


def nested_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options of the probes on :func:`nested_split` (this one and ``bench.warm_refit``)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a holdout benchmark's results JSON (results/lastfm.json)")
    parser.add_argument("--seeds", type=int, default=3, help="MP2V fits per configuration (seed-averaged)")
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's split seed")
    parser.add_argument("--inner-seed", type=int, default=7, help="the seed of the further 20 %% held out")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = nested_arguments(__doc__)
    parser.add_argument("--variant", nargs="*", default=["schedule=25x3@0.025"],
                        help="settings overriding the tuned MP2V ones for the larger fit only, each "
                             "key=value[,key=value] (e.g. schedule=25x3@0.025 dimensions=960)")
    parser.add_argument("--both-sizes", action="store_true",
                        help="also fit every variant at the smaller size, judged on the rows held out of it")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        body = probe(bench, results, args.seeds, args.variant, args.inner_seed, args.both_sizes)
    write_report(args.results, "nested-refit", "The refit on 25 % more rows, one level down",
                 f"(train minus a further {INNER_SHARE:.0%} of every user's rows, seed {args.inner_seed}, against all "
                 f"training rows, both judged on the validation rows{BOTH_SIZES_NOTE if args.both_sizes else ''}; "
                 f"MP2V averaged over {args.seeds} seeds; "
                 "test never read). Paired per-user Wilcoxon tests and bootstrap CIs.", body,
                 "bench.nested_refit", argv, started)
    print(body)


if __name__ == "__main__":
    main()
