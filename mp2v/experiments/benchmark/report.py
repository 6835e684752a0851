"""The committed benchmark table: results/<dataset>.md and the JSON beside it."""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

from mp2v.common.files import write_json, write_text
from mp2v.common.tables import markdown_table
from mp2v.evaluation.report import significance_table
from mp2v.evaluation.results import MethodResult
from mp2v.experiments.benchmark import finalists
from mp2v.experiments.benchmark.config import BEST_MP2V, BenchmarkOutcome
from mp2v.experiments.benchmark.space import MP2V_SPACE

KS = (10, 20, 50, 100)


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


#: Significance level of the verdict's and the README block's "ahead of" / "behind".
LEVEL = 0.05


def verdict(outcome: BenchmarkOutcome) -> list[str]:
    """Plain sentences: where the best MP2V variant wins and where it loses, with the paired tests."""
    by_name = {r.name: r for r in outcome.results}
    best = by_name.get(BEST_MP2V)
    if best is None:
        return ["MP2V was not part of this run."]
    lines = []
    for metric, label in (("recall@20", "Recall@20"), ("ndcg@20", "NDCG@20")):
        others = [r for r in outcome.results if not r.name.startswith(("MP2V", "R-MP2V"))]
        behind = [r for r in others if r.metrics[metric] >= best.metrics[metric]]
        tests = {(t["b"], t["metric"]): t for t in outcome.tests}
        if not behind:
            strongest = max(others, key=lambda r: r.metrics[metric]) if others else None
            if strongest is None:
                continue
            test = tests.get((strongest.name, metric))
            significance = (f" (vs {strongest.name}: {test['mean_diff']:+.4f}, 95% CI [{test['ci_low']:+.4f}, "
                            f"{test['ci_high']:+.4f}], Wilcoxon p = {test['p_value']:.2g})") if test else ""
            # A higher mean that the paired test cannot tell from noise is a tie, and the sentence says so.
            claim = ("is ahead of every baseline" if test and test["p_value"] < LEVEL else
                     f"scores highest but is level with the strongest baseline (p >= {LEVEL:g})")
            lines.append(f"At {label} the best MP2V variant ({best.metrics[metric]:.4f}) {claim}; the strongest "
                         f"is {strongest.name} ({strongest.metrics[metric]:.4f}){significance}.")
        else:
            names = ", ".join(f"{r.name} ({r.metrics[metric]:.4f}{_paired(tests.get((r.name, metric)))})"
                              for r in sorted(behind, key=lambda r: -r.metrics[metric]))
            lines.append(f"At {label} the best MP2V variant ({best.metrics[metric]:.4f}) is BEHIND {names}.")
    production = by_name.get("item2vec (production)")
    if production:
        lines.append(f"The production baseline (item2vec, user = mean of item vectors) reaches Recall@20 "
                     f"{production.metrics['recall@20']:.4f} and NDCG@20 {production.metrics['ndcg@20']:.4f}.")
    return lines


def recorded_seconds(outcome: BenchmarkOutcome) -> float:
    """Seconds recorded for every validation trial and every test fit this report rests on."""
    trials = sum(t.seconds for search in outcome.searches.values() for t in search.trials)
    tests = sum(float(r.timings.get("fit", 0.0)) for r in [*outcome.results, *outcome.ablations])
    return trials + tests


def _paired(test: dict[str, Any] | None) -> str:
    """``; MP2V -0.0145 [-0.02, -0.009], p = 1e-05`` for a verdict line; empty without a test."""
    if not test:
        return ""
    return (f"; MP2V {test['mean_diff']:+.4f} [{test['ci_low']:+.4f}, {test['ci_high']:+.4f}], "
            f"p = {test['p_value']:.2g}")


def accuracy_table(results: list[MethodResult]) -> str:
    metrics = (("recall", "R"), ("ndcg", "N"), ("hit_rate", "HR"))
    head = ["method"] + [f"{label}@{k}" for _, label in metrics for k in KS]
    rows = [{"method": r.name, **{f"{label}@{k}": _f(r.metrics.get(f"{metric}@{k}")) for metric, label in metrics
                                  for k in KS}} for r in results]
    return markdown_table(rows, columns=head)


def beyond_table(outcome: BenchmarkOutcome) -> str:
    rows = []
    for r in outcome.results:
        # MP2V rows share one search (the configuration); the baselines each have their own.
        search = outcome.searches.get("MP2V" if r.name == BEST_MP2V else r.name)
        trials = str(len(search.trials)) if search else "–"
        tuning = f"{sum(t.seconds for t in search.trials):.0f}" if search else "–"
        rows.append({"method": r.name, "Cov@20": _f(r.metrics.get("coverage@20")),
                     "Div@20": _f(r.metrics.get("diversity@20")), "Nov@20": _f(r.metrics.get("novelty@20"), 2),
                     "Gini@20": _f(r.metrics.get("gini@20")),
                     "features/list@20": _f(r.metrics.get("unique_features@20"), 1),
                     "test fit s": f"{r.timings.get('fit', 0.0):.1f}", "tuning trials": trials, "tuning s": tuning})
    return markdown_table(rows, columns=["method", "Cov@20", "Div@20", "Nov@20", "Gini@20", "features/list@20",
                                         "test fit s", "tuning trials", "tuning s"])


def chosen_table(outcome: BenchmarkOutcome) -> str:
    rows = []
    for name, search in outcome.searches.items():
        best = next((t for t in search.trials if t.params == search.best), None)
        params = ", ".join(f"{k}={v}" for k, v in search.best.items() if k not in ("workers", "seed")) or "–"
        rows.append({"method": name, "chosen on validation": params,
                     "validation R@20": _f(best.metrics["recall@20"] if best else None, 4),
                     "validation N@20": _f(best.metrics["ndcg@20"] if best else None, 4),
                     "trials": str(len(search.trials)), "at grid edge": ", ".join(search.at_edge) or "no"})
    return markdown_table(rows, columns=["method", "chosen on validation", "validation R@20", "validation N@20",
                                         "trials", "at grid edge"])


def ablation_table(outcome: BenchmarkOutcome) -> str:
    reference = next((r for r in outcome.results if r.name == outcome.ablation_reference), None)
    if reference is None or not outcome.ablations:
        return "No ablations in this run."
    rows = [reference, *outcome.ablations]
    table = []
    for r in rows:
        label = "best single configuration" if r is reference else r.name.removeprefix("ablation: ")
        table.append({"variant (test, one model)": label, "R@20": _f(r.metrics["recall@20"], 4),
                      "ΔR@20": f"{r.metrics['recall@20'] - reference.metrics['recall@20']:+.4f}",
                      "N@20": _f(r.metrics["ndcg@20"], 4),
                      "ΔN@20": f"{r.metrics['ndcg@20'] - reference.metrics['ndcg@20']:+.4f}",
                      "Cov@20": _f(r.metrics["coverage@20"])})
    return markdown_table(table)


def search_trace(outcome: BenchmarkOutcome) -> str:
    """Every MP2V validation trial, grouped by the axis it varied: what helped and what did not."""
    search = outcome.searches.get("MP2V")
    if search is None:
        return ""
    rows = []
    for trial in sorted(search.trials, key=lambda t: -t.score()):
        rows.append({"changed from the default": _changed_from_default(trial.params),
                     "validation R@20": f"{trial.metrics['recall@20']:.4f}",
                     "validation N@20": f"{trial.metrics['ndcg@20']:.4f}", "trial s": f"{trial.seconds:.0f}"})
    return markdown_table(rows)


def _changed_from_default(params: dict[str, Any]) -> str:
    """An MP2V configuration as its differences from the search's start."""
    start = MP2V_SPACE.start
    return ", ".join(f"{k}={v}" for k, v in params.items() if start.get(k, "∅") != v) or "defaults"


def finalist_table(outcome: BenchmarkOutcome) -> str:
    """The configurations re-validated with more seeds (benchmark.finalists): each seed's score and the mean
    that chose the single model."""
    search = outcome.searches.get("MP2V")
    if search is None:
        return ""
    groups = [finalists.seed_group(search.trials, t.params) for t in search.trials if finalists.is_search_trial(t)]
    groups = [group for group in groups if len(group) > 1]
    if not groups:
        return "No configuration was re-validated with more seeds in this run."
    # The finalists' own choice among the configurations re-validated (search.best may add an ensemble size or
    # the type-aware trainer to it).
    chosen = finalists.choose(search.trials, [group[0].params for group in groups])
    rows = []
    for group in sorted(groups, key=lambda g: -finalists.mean_score(g)):
        params = group[0].params
        mean = finalists.mean_metrics(group)
        rows.append({"configuration (changed from the default)": _changed_from_default(params),
                     "R@20 per seed": " / ".join(f"{t.metrics['recall@20']:.4f}" for t in group),
                     "mean R@20": f"{mean['recall@20']:.4f}", "mean N@20": f"{mean['ndcg@20']:.4f}",
                     "chosen": "yes" if params == chosen else ""})
    return markdown_table(rows)


def write(outcome: BenchmarkOutcome, folder: Path, command: str) -> tuple[Path, Path]:
    from mp2v.experiments.benchmark.fair import fair_chart, fair_section, protocol_text

    folder.mkdir(parents=True, exist_ok=True)
    name = outcome.model.dataset + ("" if outcome.protocol.name == "holdout" else f"-{outcome.protocol.name}") + (
        "-fast" if outcome.fast else "")  # a fast run never overwrites the full run's table
    chart = fair_chart(outcome, folder / f"{name}-fit-time.png")
    left_out = [f"- {item}" for item in outcome.left_out] or ["- nothing"]
    markdown = [
        f"# Benchmark: {outcome.model.dataset} ({outcome.protocol.name})",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, "
        f"{_cores()} cores); wall time {outcome.seconds / 60:.1f} min (trials already recorded are reused); "
        f"recorded compute of every validation trial and test fit: {recorded_seconds(outcome) / 60:.1f} min "
        "(about what a run from scratch takes).",
        "",
        protocol_text(outcome.protocol, 42) + " Every choice is made on validation (methods fitted on train "
        "only; chosen by validation Recall@20 + NDCG@20, grids cut to the data's size and extended where a "
        "choice lands on an edge); the chosen "
        "settings are then fitted on train + validation and judged once on test. Ranking is over all items "
        "except the user's training items. Paired tests are per user (Wilcoxon signed-rank, two-sided) with "
        "a bootstrap 95% confidence interval of the mean difference.",
        "",
        "## Verdict",
        "",
        *[f"- {line}" for line in verdict(outcome)],
        "",
        "## Test results",
        "",
        accuracy_table(outcome.results),
        "",
        "## Beyond accuracy and cost",
        "",
        "Diversity = 1 - mean pairwise cosine of the list in a shared co-listening space (a truncated SVD of "
        "the training matrix), so lists are compared, not each model's geometry. Novelty = mean -log2 of the "
        "items' training popularity. Fit time is the test-stage fit on this 2-core machine.",
        "",
        beyond_table(outcome),
        "",
        "Left out by this run's options:",
        "",
        *left_out,
        "",
        *fair_section(outcome, chart),
        f"## {BEST_MP2V} against every method (test, paired per user)",
        "",
        significance_table(outcome.tests),
        "",
        "## Chosen hyperparameters",
        "",
        chosen_table(outcome),
        "",
        "## Ablations",
        "",
        ablation_table(outcome),
        "",
        "## MP2V search on validation",
        "",
        "The single configuration is chosen among the search's best few by the mean of several seeds (one "
        "gensim run moves by a few thousandths between seeds):",
        "",
        finalist_table(outcome),
        "",
        "Every trial:",
        "",
        search_trace(outcome),
        "",
    ]
    md_path = folder / f"{name}.md"
    json_path = folder / f"{name}.json"
    write_text(md_path, "\n".join(markdown))
    write_json(json_path, _as_json(outcome, command))
    return md_path, json_path


def _as_json(outcome: BenchmarkOutcome, command: str) -> dict[str, Any]:
    def result(r: MethodResult) -> dict[str, Any]:
        return {"name": r.name, "params": r.params, "metrics": r.metrics, "timings": r.timings, "notes": r.notes}

    return {
        "dataset": outcome.model.dataset, "protocol": outcome.protocol.name, "command": command,
        "date": time.strftime("%Y-%m-%d"), "fast": outcome.fast, "left_out": outcome.left_out,
        "ensemble_size": outcome.ensemble_size,
        "wall_seconds": round(outcome.seconds, 1), "recorded_seconds": round(recorded_seconds(outcome), 1),
        "verdict": verdict(outcome),
        "results": [result(r) for r in outcome.results], "ablations": [result(r) for r in outcome.ablations],
        "significance": outcome.tests,
        "searches": {name: {"best": s.best, "at_edge": s.at_edge,
                            "trials": [{"params": t.params, "metrics": {k: t.metrics[k] for k in
                                                                        ("recall@20", "ndcg@20")},
                                        "seconds": round(t.seconds, 1)} for t in s.trials]}
                     for name, s in outcome.searches.items()},
    }


def _cores() -> int:
    import os

    return os.cpu_count() or 0
