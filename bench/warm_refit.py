"""A warm-started refit, one level down: does the larger fit learn more from the added rows when it starts
from the smaller fit's vectors instead of from scratch? (test never read)

    python -m bench.warm_refit results/lastfm.json --seeds 3 --warm 1@0.0025 1@0.0125 1@0.025 3@0.025

The benchmark refits MP2V from scratch on train + validation, and one MP2V model gains less than iALS from
those 25 % more rows (``bench.nested_refit``). The daily refresh trains warm instead: it starts from the
served run's vectors and trains a few epochs on the new corpus (``mp2v.training.warm_start``). This probe
tries that rule as the refit, in ``bench.nested_refit``'s split (train minus a further 20 % of every user's
rows against all training rows, judged on the validation rows): for each seed, the smaller fit's users
and items start the larger fit, which trains ``E`` epochs from learning rate ``A`` (``--warm E@A``) on the
larger fit's own corpus (its stored walks, with the same interaction pairs). Tokens the stored run does not
keep (tags) start from their neighbours in the walks, as the refresh's new tokens do.

Compared with the larger fit trained from scratch (the configuration as tuned; the benchmark's rule) and
with the smaller fit itself (no refit). Paired per-user tests on the seed-averaged metrics. One level down
the larger fit is judged on the rows the search tuned by, which favours the configuration as tuned (see
``bench.nested_refit``), so a warm start ahead of it here would be ahead despite that.

Writes ``results/<results name>-warm-refit.md``.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.gap_breakdown import METRICS, averaged, holdout_results_benchmark, write_report
from bench.nested_refit import difference, nested_arguments, nested_experiment, tuned_settings
from mp2v.common.tables import markdown_table
from mp2v.embeddings.store import Embeddings
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.training.warm_start import warm_train
from mp2v.types import ScoringRule
from mp2v.walks.pairs import interleave_pairs


def parse_warm(text: str) -> tuple[int, float]:
    """``E@A``: epochs and starting learning rate of the warm refit."""
    epochs, sep, alpha = text.partition("@")
    try:
        parsed = int(epochs), float(alpha)
    except ValueError:
        parsed = (0, 0.0)
    if not sep or parsed[0] < 1 or parsed[1] <= 0:
        raise SystemExit(f"--warm {text!r}: write <epochs>@<learning rate>, e.g. 1@0.0125")
    return parsed


def warm_fit(experiment: Experiment, params: dict[str, Any], start: FittedMethod, larger: FittedMethod,
             epochs: int, alpha: float, seed: int) -> FittedMethod:
    """Training warm from ``start``'s vectors (the smaller fit's; the larger's own for the control) on
    ``larger``'s stored walks (see the module)."""
    if start.run is None or larger.run is None:
        raise SystemExit("the nested fits were not stored; run bench.nested_refit once first")
    spec = methods.mp2v_spec(experiment.model, params, seed, "MP2V-warm")
    walks = experiment.workdir / str(larger.run.metadata["corpus"])
    if not walks.is_file():
        raise SystemExit(f"{walks}: the larger fit's walks are gone; delete its stored run and run again")
    model, data = experiment.model, experiment.split.stage(Stage.TEST)
    config = replace(spec.train, epochs=epochs, alpha=alpha, min_alpha=min(spec.train.min_alpha, alpha))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mp2v-warm-") as folder:
        corpus = walks
        if spec.interaction_pairs:
            corpus = Path(folder) / "corpus.txt"
            interleave_pairs(walks, corpus, data.train,
                             np.array([model.token(model.user_label, u) for u in experiment.split.user_ids.tolist()]),
                             np.array([model.token(model.item_label, i) for i in experiment.split.item_ids.tolist()]),
                             repeats=spec.interaction_pairs, seed=seed)
        trained, warm = warm_train(corpus, config, start.run.embeddings, model)
    w2v = trained.model
    embeddings = Embeddings.from_tokens(list(w2v.wv.index_to_key), w2v.wv.vectors, w2v.syn1neg, model)
    score, notes = experiment.aligned_scorer(embeddings, ScoringRule.DOT, Stage.TEST)
    return FittedMethod(f"warm {epochs}@{alpha}", score, {"warm": f"{epochs}@{alpha}", "start": vars(warm)},
                        {"fit": time.monotonic() - started}, notes=notes)


def probe(bench: Benchmark, results: dict[str, Any], seeds: int, warm: list[str], seed: int,
          control: bool = False, log: Any = print) -> str:
    experiment, _ = nested_experiment(bench, seed)
    chosen, mp2v = tuned_settings(bench, results)
    schedules = {text: parse_warm(text) for text in warm}  # refused before any fit
    if mp2v.get("scoring", "dot") != "dot":
        raise SystemExit("the warm refit scores by the dot product; the tuned configuration scores otherwise")

    def judge(label: str, fits: list[FittedMethod]) -> MethodResult:
        result = averaged([experiment.evaluate(f, Stage.TEST, ks=(20,)) for f in fits], label)
        log(f"{label}: " + " ".join(f"{m} {result.metrics[m]:.4f}" for m in METRICS))
        return result

    # The benchmark's fit names and seeds, so bench.nested_refit's stored fits are reused.
    fits = {stage: [methods.fit_mp2v(experiment, mp2v, stage, name="MP2V-nested", seed=bench.config.seed + s)
                    for s in range(seeds)] for stage in (Stage.VALIDATION, Stage.TEST)}
    found = {"iALS, larger (from scratch)": judge("iALS, larger", [methods.fit_baseline(
                 experiment, "ials", chosen["iALS"], Stage.TEST, name="iALS")]),
             "smaller (no refit)": judge("smaller (no refit)", fits[Stage.VALIDATION]),
             "larger, from scratch (as tuned)": judge("larger, from scratch", fits[Stage.TEST])}
    seconds: dict[str, float] = {}
    for text, (epochs, alpha) in schedules.items():
        warm_fits = [warm_fit(experiment, mp2v, small, large, epochs, alpha, bench.config.seed + s)
                     for s, (small, large) in enumerate(zip(fits[Stage.VALIDATION], fits[Stage.TEST], strict=True))]
        seconds[text] = float(np.median([f.timings["fit"] for f in warm_fits]))
        found[f"larger, warm {text}"] = judge(f"larger, warm {text}", warm_fits)
        if control:  # the same warm training from the larger fit itself: what it costs without new rows
            found[f"larger, warm {text} from itself"] = judge(f"larger, warm {text} from itself", [
                warm_fit(experiment, mp2v, large, large, epochs, alpha, bench.config.seed + s)
                for s, large in enumerate(fits[Stage.TEST])])
    scratch = found["larger, from scratch (as tuned)"]
    rows = [{"fit": label, **{m: f"{r.metrics[m]:.4f}" for m in METRICS}} for label, r in found.items()]
    against = [{"comparison": f"{label} − from scratch", **difference(r, scratch)}
               for label, r in found.items() if label.startswith("larger, warm") or label.startswith("smaller")]
    ials = found["iALS, larger (from scratch)"]
    against.append({"comparison": "R-MP2V from scratch − iALS", **difference(scratch, ials)})
    timing = markdown_table([{"warm refit": text, "median fit s (pairs, vocabulary, training)": f"{s:.1f}"}
                             for text, s in seconds.items()])
    return markdown_table(rows) + "\n\n" + markdown_table(against) + "\n\n" + timing


def main(argv: list[str] | None = None) -> None:
    parser = nested_arguments(__doc__)
    parser.add_argument("--warm", nargs="+", default=["1@0.0125"],
                        help="warm refits to try, each <epochs>@<starting learning rate>")
    parser.add_argument("--control", action="store_true",
                        help="also train each warm refit from the larger fit's own vectors (no new rows)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with holdout_results_benchmark(args.results, args.seed) as (bench, results):
        body = probe(bench, results, args.seeds, args.warm, args.inner_seed, args.control)
    write_report(args.results, "warm-refit", "A warm-started refit, one level down",
                 f"(the smaller fit: train minus a further 20% of every user's rows, seed {args.inner_seed}; the "
                 f"larger: all training rows, from scratch or warm from the smaller fit's vectors; all judged on "
                 f"the validation rows; MP2V averaged over {args.seeds} seeds; test never read). Paired per-user "
                 "Wilcoxon tests and bootstrap CIs.", body, "bench.warm_refit", argv, started)
    print(body)


if __name__ == "__main__":
    main()
