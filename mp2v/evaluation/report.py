"""Evaluation reports: a results JSON, a Markdown table, paired tests, and plots."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mp2v.common.files import write_json, write_text
from mp2v.common.tables import markdown_table
from mp2v.evaluation.significance import PairedResult, paired_comparison

if TYPE_CHECKING:
    from mp2v.embeddings.store import Embeddings
    from mp2v.evaluation.results import MethodResult

TABLE_COLUMNS = [("recall@10", "R@10"), ("recall@20", "R@20"), ("recall@50", "R@50"), ("recall@100", "R@100"),
                 ("ndcg@10", "N@10"), ("ndcg@20", "N@20"), ("ndcg@50", "N@50"), ("ndcg@100", "N@100"),
                 ("hit_rate@20", "HR@20"), ("coverage@20", "Cov@20"), ("diversity@20", "Div@20"),
                 ("novelty@20", "Nov@20"), ("gini@20", "Gini@20")]


def compare(results: list[MethodResult], reference: str, metrics: tuple[str, ...] = ("recall@20", "ndcg@20"),
            seed: int = 0) -> list[dict[str, Any]]:
    """Paired per-user tests of ``reference`` against every other method (same users, same truth)."""
    by_name = {r.name: r for r in results}
    if reference not in by_name:
        return []
    base = by_name[reference]
    rows = []
    for other in results:
        if other.name == reference:
            continue
        if not np.array_equal(other.users, base.users):
            raise ValueError(f"{other.name} and {reference} were judged on different users")
        for metric in metrics:
            test: PairedResult = paired_comparison(base.per_user[metric], other.per_user[metric], seed=seed)
            rows.append({"a": reference, "b": other.name, "metric": metric, **asdict(test)})
    return rows


def results_table(results: list[MethodResult], columns: list[tuple[str, str]] | None = None) -> str:
    """Markdown: one row per method, the chosen metric columns and the fit time."""
    columns = columns or TABLE_COLUMNS
    rows = [{"method": r.name, **{label: _format(r.metrics.get(key)) for key, label in columns},
             "fit s": f"{r.timings.get('fit', 0):.1f}"} for r in results]
    return markdown_table(rows, columns=["method", *(label for _, label in columns), "fit s"])


def significance_table(tests: list[dict[str, Any]]) -> str:
    rows = [{"comparison": f"{t['a']} vs {t['b']}", "metric": t["metric"], "mean diff": f"{t['mean_diff']:+.4f}",
             "95% CI": f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]", "Wilcoxon p": f"{t['p_value']:.2g}",
             "better / worse / tied": f"{t['n_better']} / {t['n_worse']} / {t['n_tied']}"} for t in tests]
    return markdown_table(rows, columns=["comparison", "metric", "mean diff", "95% CI", "Wilcoxon p",
                                         "better / worse / tied"])


def _format(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def results_json(results: list[MethodResult], tests: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    return {
        **context,
        "methods": [{"name": r.name, "stage": r.stage, "run_id": r.run_id, "params": r.params,
                     "timings": {k: round(v, 2) for k, v in r.timings.items()}, "metrics": r.metrics,
                     "users_evaluated": int(r.users.size), "notes": r.notes} for r in results],
        "significance": tests,
    }


def write_report(folder: Path, results: list[MethodResult], tests: list[dict[str, Any]], context: dict[str, Any],
                 *, embeddings: Embeddings | None = None, baseline: str | None = None) -> dict[str, Path]:
    """Write results.json, results.md and the plots into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "results.json", "markdown": folder / "results.md"}
    write_json(paths["json"], results_json(results, tests, context))
    markdown = [f"# {context.get('title', 'Evaluation')}", "", _context_lines(context), "", results_table(results)]
    if tests:
        markdown += ["", "Paired per-user tests:", "", significance_table(tests)]
    write_text(paths["markdown"], "\n".join(markdown) + "\n")
    from mp2v.evaluation import plots

    paths["metrics_plot"] = plots.metrics_by_k(results, folder / "metrics_by_k.png")
    if baseline is not None:
        paths["diversity_plot"] = plots.diversity_histogram(results, baseline, folder / "diversity.png")
    if embeddings is not None:
        paths["pca_plot"] = plots.embedding_pca(embeddings, folder / "embeddings_pca.png")
    return paths


def _context_lines(context: dict[str, Any]) -> str:
    skip = {"title"}
    return "\n".join(f"- {key}: {value}" for key, value in context.items() if key not in skip)

