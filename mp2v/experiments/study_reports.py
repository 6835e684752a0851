"""Markdown + JSON of the studies, written by the commands (never edited by hand)."""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

from mp2v.experiments.autoplay import ITEM_GRAPH, PRODUCTION, AutoplayOutcome
from mp2v.experiments.favourites import FavouritesOutcome
from mp2v.experiments.study_common import p_text, write_study


def _produced(command: str, seconds: float) -> str:
    return (f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} ({platform.machine()}); "
            f"wall time {seconds / 60:.1f} min (what an earlier run of the same split fitted is reused: its fit s "
            "shows – when no timing was recorded).")


def _seconds(timings: dict[str, float]) -> str:
    return f"{timings['fit']:.1f}" if "fit" in timings else "–"


def _verdict(a: str, b: str, diff: float, p: float, metric: str) -> str:
    if p >= 0.05:
        return f"{a} and {b} do not differ significantly on {metric} (difference {diff:+.4f}, p = {p_text(p)})"
    word = "beats" if diff > 0 else "loses to"
    return f"{a} {word} {b} on {metric} (difference {diff:+.4f}, p = {p_text(p)})"


def autoplay_report(outcome: AutoplayOutcome, folder: Path, command: str) -> tuple[Path, Path]:
    ks = sorted({int(key.split("@")[1]) for m in outcome.metrics.values() for key in m if "@" in key})
    columns = ["auc", "auc_matched"] + [f"{name}@{k}" for k in ks for name in ("recall", "ndcg")]
    lines = [f"# Item-to-item (autoplay): {outcome.model.dataset}", "", _produced(command, outcome.seconds), "",
             "Held-out co-consumption pairs (two items one user consumed in the test interactions, both seen in "
             "training) against as many random pairs, scored by the cosine of the item vectors. `auc`: uniform random "
             "pairs (recsys-nlp-graph's negatives; mostly long-tail items, so it also rewards vectors that separate "
             "popular from rare items); `auc_matched`: random pairs of items drawn as often as they occur in the "
             "positives (popularity-matched, so only the pairing is judged). Also "
             "Recall/NDCG@K of each query item's cosine neighbour list against the items co-consumed with it. "
             "Every method learns from the same training rows. Protocol: docs/autoplay.md.", ""]
    lines += [f"- {key}: {value}" for key, value in outcome.context.items()]
    lines += ["", "| method | " + " | ".join(columns) + " | pairs with vectors | fit s |",
              "|---|" + "---:|" * (len(columns) + 2)]
    best = {c: max(m[c] for m in outcome.metrics.values()) for c in columns}
    for method in outcome.methods:
        values = outcome.metrics[method.name]
        cells = [(f"**{values[c]:.4f}**" if values[c] == best[c] else f"{values[c]:.4f}") for c in columns]
        lines.append(f"| {method.name} | " + " | ".join(cells)
                     + f" | {values['pairs_with_vectors']:.3f} | {_seconds(method.timings)} |")
    lines += ["", "Paired tests against the production baseline (item2vec): AUC over positive pairs (each pair's "
              "share of negatives it outscores), Recall/NDCG over query items; Wilcoxon signed-rank, bootstrap CI.",
              "", "| comparison | metric | mean diff | 95% CI | Wilcoxon p | better / worse / tied | verdict |",
              "|---|---|---:|---|---:|---|---|"]
    for t in outcome.tests:
        verdict = "n.s." if t["p_value"] >= 0.05 else ("wins" if t["mean_diff"] > 0 else "**loses**")
        lines.append(f"| {t['a']} vs {t['b']} | {t['metric']} | {t['mean_diff']:+.4f} | [{t['ci_low']:+.4f}, "
                     f"{t['ci_high']:+.4f}] | {p_text(t['p_value'])} | {t['n_better']} / {t['n_worse']} / "
                     f"{t['n_tied']} | {verdict} |")
    lines += ["", "## Does Word2Vec beat MP2V for item-to-item here?", ""]
    for rival in ("MP2V", "R-MP2V", ITEM_GRAPH):
        for metric in ("auc", "auc_matched", f"ndcg@{ks[0]}" if ks else "auc"):
            test = next((t for t in outcome.tests if t["a"] == rival and t["b"] == PRODUCTION
                         and t["metric"] == metric), None)
            if test is not None:
                verdict = _verdict(f"{PRODUCTION} (Word2Vec)", rival, -test["mean_diff"], test["p_value"], metric)
                lines.append(f"- {verdict}.")
    notes = [f"- {m.name}: {note}" for m in outcome.methods for note in m.notes]
    if notes:
        lines += ["", "Notes:", "", *notes]
    data: dict[str, Any] = {"command": command, "seconds": round(outcome.seconds, 1), **outcome.context,
                            "metrics": outcome.metrics, "tests": outcome.tests,
                            "methods": [{"name": m.name, "params": m.params, "timings": m.timings,
                                         "notes": m.notes} for m in outcome.methods]}
    return write_study(folder, f"autoplay-{outcome.model.dataset}", "\n".join(lines) + "\n", data)


def favourites_report(outcome: FavouritesOutcome, folder: Path, command: str) -> tuple[Path, Path]:
    k = outcome.context["k"]
    lines = [f"# Held-out favourites: {outcome.model.dataset}", "", _produced(command, outcome.seconds), "",
             f"Each user with more than {outcome.context['min_items']} items hides one item drawn at random from "
             f"their {outcome.context['ranks'][0]}-{outcome.context['ranks'][1]} most played; HR@{k} = the hidden "
             "item is in the top 10 (training items excluded). As in the ThirtyMusic user-kNN study, UserKNN is "
             f"compared with a two-sided t-test over {outcome.context['subsamples']} random "
             f"{outcome.context['subsample_fraction']:.0%} subsamples of the test users (the subsamples overlap, so "
             "its p-values are optimistic), beside the paired per-user Wilcoxon test. Protocol: docs/autoplay.md.",
             ""]
    lines += [f"- {key}: {value}" for key, value in outcome.context.items()]
    best = max(outcome.hit_rates.values())
    lines += ["", f"| method | HR@{k} | mean of subsample HR@{k} | fit s |", "|---|---:|---:|---:|"]
    for name, rate in outcome.hit_rates.items():
        cell = f"**{rate:.4f}**" if rate == best else f"{rate:.4f}"
        lines.append(f"| {name} | {cell} | {outcome.subsample_means[name]:.4f} | "
                     f"{_seconds(outcome.timings[name])} |")
    lines += ["", "| comparison | HR diff | t | t-test p | Wilcoxon p | 95% CI (users) | better / worse / tied | "
              "verdict |", "|---|---:|---:|---:|---:|---|---|---|"]
    for t in outcome.tests:
        verdict = "n.s." if t["p_value"] >= 0.05 else ("wins" if t["mean_diff"] > 0 else "**loses**")
        lines.append(f"| {t['a']} vs {t['b']} | {t['mean_diff']:+.4f} | {t['t_statistic']:+.2f} | "
                     f"{p_text(t['t_p_value'])} | {p_text(t['p_value'])} | [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}] | "
                     f"{t['n_better']} / {t['n_worse']} / {t['n_tied']} | {verdict} |")
    notes = [f"- {name}: {note}" for name, items in outcome.notes.items() for note in items]
    if notes:
        lines += ["", "Notes:", "", *notes]
    data: dict[str, Any] = {"command": command, "seconds": round(outcome.seconds, 1), **outcome.context,
                            "hit_rates": outcome.hit_rates, "subsample_means": outcome.subsample_means,
                            "tests": outcome.tests, "timings": outcome.timings, "notes": outcome.notes}
    return write_study(folder, f"favourites-{outcome.model.dataset}", "\n".join(lines) + "\n", data)

