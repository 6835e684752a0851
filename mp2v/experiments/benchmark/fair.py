"""Fair comparisons for the benchmark report: one model against one model, a seed ensemble against seed
ensembles of the same size, each with its fit cost, and a quality-against-fit-time chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from mp2v.common.files import atomic_path
from mp2v.common.tables import markdown_table
from mp2v.evaluation.report import compare
from mp2v.evaluation.results import MethodResult
from mp2v.experiments.benchmark.config import BEST_MP2V, BenchmarkOutcome
from mp2v.experiments.protocols import Protocol, ProtocolConfig

#: Results that are not one model of their method (the MP2V ensemble and the baselines' seed ensembles).
ENSEMBLE_MARK = " x"


def protocol_text(protocol: ProtocolConfig, seed: int) -> str:
    minimum = f"users with fewer than {protocol.min_interactions} interactions only train; "
    if protocol.protocol is Protocol.LEAVE_ONE_OUT:
        least = max(3, protocol.min_interactions)
        return (f"Protocol: leave-one-out (seed {seed}): one random interaction per user is test and one more "
                f"is validation (users with fewer than {least} interactions only train; random, not the latest: "
                "Last.fm's play counts carry no time). HR@10 and NDCG@10 against all items.")
    if protocol.protocol is Protocol.RATIO_8_1_1:
        return (f"Protocol: RecBole's random 8:1:1 per user (seed {seed}): 10 % of each user's interactions are "
                f"test, 10 % validation (1/9 of the rest), 80 % train; {minimum}ranked against all items "
                "except the user's training items. Recall@10 and NDCG@10 as RecBole reports them.")
    return (f"Protocol: per-user random holdout (seed {seed}): {protocol.test_fraction:.0%} of each user's "
            f"interactions are test; {protocol.test_fraction:.0%} of the rest are validation; {minimum}"
            "ranked against all items except the user's training items.")


def _is_ensemble(result: MethodResult) -> bool:
    return result.name == BEST_MP2V or ENSEMBLE_MARK in result.name


def groups(outcome: BenchmarkOutcome) -> tuple[list[MethodResult], list[MethodResult]]:
    """(single models, ensembles); an ensemble of one seed counts as a single model."""
    singles = [r for r in outcome.results if not _is_ensemble(r) or outcome.ensemble_size == 1]
    ensembles = [r for r in outcome.results if _is_ensemble(r)] if outcome.ensemble_size > 1 else []
    return singles, ensembles


def fair_tests(outcome: BenchmarkOutcome, seed: int = 42) -> dict[str, list[dict[str, Any]]]:
    metrics = outcome.protocol.headline_metrics
    singles, ensembles = groups(outcome)
    return {"single": compare(singles, outcome.ablation_reference, metrics=metrics, seed=seed),
            "ensemble": compare(ensembles, BEST_MP2V, metrics=metrics, seed=seed)}


def fair_table(outcome: BenchmarkOutcome, tests: list[dict[str, Any]], members: list[MethodResult],
               reference: str) -> str:
    """One row per method: its metrics, its test fit time, and the reference's paired difference."""
    if not members:
        return "Not in this run."
    first, second = outcome.protocol.headline_metrics
    by_pair = {(t["b"], t["metric"]): t for t in tests}
    rows = []
    for r in sorted(members, key=lambda r: -r.metrics[first]):
        row = {"method": r.name, first: f"{r.metrics[first]:.4f}", second: f"{r.metrics[second]:.4f}",
               "fit s": f"{r.timings.get('fit', 0.0):.1f}"}
        for metric in (first, second):
            test = by_pair.get((r.name, metric))
            row[f"{reference} − method, {metric} (p)"] = (
                "reference" if r.name == reference else "–" if test is None else
                f"{test['mean_diff']:+.4f} (p = {test['p_value']:.2g})")
        rows.append(row)
    return markdown_table(rows)


def fair_chart(outcome: BenchmarkOutcome, path: Path) -> Path:
    """Quality (the protocol's first headline metric) against test fit seconds, single models and ensembles."""
    metric = outcome.protocol.headline_metrics[1]
    singles, ensembles = groups(outcome)
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    points: list[tuple[float, float, str]] = []
    for members, marker, label in ((singles, "o", "one model"), (ensembles, "s", "seed ensemble")):
        if not members:
            continue
        xs = [max(r.timings.get("fit", 0.0), 0.01) for r in members]
        ys = [r.metrics[metric] for r in members]
        axis.scatter(xs, ys, marker=marker, label=label)
        points += [(x, y, r.name) for x, y, r in zip(xs, ys, members, strict=True)]
    axis.set_xscale("log")
    axis.set_xlabel("test-stage fit time, s (log scale; shared 2-core machine)")
    axis.set_ylabel(f"test {metric}")
    axis.set_title(f"{outcome.model.dataset}, {outcome.protocol.name}: quality against fit time")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    _annotate_apart(figure, axis, points)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    plt.close(figure)
    return path


def _annotate_apart(figure: Any, axis: Any, points: list[tuple[float, float, str]]) -> None:
    """Name each point at the nearest free spot (right or left of it, then a line further up or down each time),
    free meaning the label covers no marker and no label placed before it; a moved label gets a leader line.

    Methods of one family often land on the same spot (seed ensembles, the MP2V variants); matplotlib has no
    label placement of its own, and a greedy pass over approximate text boxes is enough for a dozen names.
    Call it once the layout is final: the boxes are measured in the figure's display coordinates (points).
    """
    axis.autoscale_view()
    scale = 72.0 / figure.dpi  # display pixels -> points
    bounds = axis.get_window_extent()
    left_edge, right_edge = bounds.x0 * scale, bounds.x1 * scale
    anchors = [tuple(v * scale for v in axis.transData.transform((x, y))) for x, y, _ in points]
    # The markers themselves (6 points wide): a label may touch its own marker but not cover another.
    taken = [(px - 3.0, py - 4.0, px + 3.0, py + 3.0) for px, py in anchors]

    def free(lo: float, bo: float, ro: float, to: float) -> bool:
        return lo >= left_edge and ro <= right_edge and not any(
            lo < r and ro > left and bo < top and to > bottom for left, bottom, r, top in taken)

    # Nearest first: beside the point, then a line further up or down each step, right before left.
    spots = [(side, dy) for step in range(12) for dy in dict.fromkeys((3.0 - 9.0 * step, 3.0 + 9.0 * step))
             for side in (1, -1)]
    for (px, py), (x, y, name) in sorted(zip(anchors, points, strict=True), key=lambda item: -item[1][1]):
        width = 4.0 * len(name)
        side, dy = next((spot for spot in spots if free(*_label_box(px, py, width, *spot))), spots[0])
        taken.append(_label_box(px, py, width, side, dy))
        axis.annotate(name, (x, y), fontsize=7, xytext=(3.0 * side, dy), textcoords="offset points",
                      ha="left" if side > 0 else "right",
                      arrowprops=None if dy == 3.0 else {"arrowstyle": "-", "lw": 0.5, "color": "0.5"})


def _label_box(px: float, py: float, width: float, side: int, dy: float) -> tuple[float, float, float, float]:
    """A 7-point label's approximate box (8 points high), 3 points right (side 1) or left (-1) of the point."""
    left = px + 3.0 if side > 0 else px - 3.0 - width
    return (left, py + dy, left + width, py + dy + 8.0)


def fair_section(outcome: BenchmarkOutcome, chart: Path) -> list[str]:
    tests = fair_tests(outcome)
    singles, ensembles = groups(outcome)
    size = outcome.ensemble_size
    return [
        "## Fair comparisons",
        "",
        f"One model against one model (reference: {outcome.ablation_reference}), and the chosen MP2V seed "
        f"ensemble ({size} models, scores summed) against seed ensembles of {size} models of each seeded "
        "baseline (iALS, BPR, LightGCN when installed; EASE, RP3beta and the KNNs are deterministic, so an "
        "ensemble of them is the model itself). Paired per-user Wilcoxon tests; fit s = the test-stage fit on this "
        "shared machine.",
        "",
        "### Single models",
        "",
        fair_table(outcome, tests["single"], singles, outcome.ablation_reference),
        "",
        f"### Ensembles of {size}",
        "",
        fair_table(outcome, tests["ensemble"], ensembles, BEST_MP2V) if size > 1 else
        "The chosen MP2V ensemble has one model: the single-model table is the fair comparison.",
        "",
        f"![quality against fit time]({chart.name})",
        "",
    ]
