"""The README's results block: a short table and where MP2V wins and loses, rewritten by `mp2v benchmark`
between two markers so that the README quotes the committed run, never numbers copied by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mp2v.common.files import write_text
from mp2v.common.tables import markdown_table
from mp2v.experiments.benchmark.config import BEST_MP2V, BenchmarkOutcome
from mp2v.experiments.benchmark.report import LEVEL, verdict

PRODUCTION = "item2vec (production)"
SINGLE = "R-MP2V (single model)"
METRICS = (("recall@20", "Recall@20"), ("ndcg@20", "NDCG@20"))


def markers(dataset: str) -> tuple[str, str]:
    return f"<!-- benchmark:{dataset}:start -->", f"<!-- benchmark:{dataset}:end -->"


def headline(outcome: BenchmarkOutcome, report_link: str) -> str:
    """Markdown: the best MP2V variant, one MP2V model, the three strongest baselines and the production
    baseline at Recall@20 / NDCG@20 (column best in bold), then the verdict with the paired tests."""
    by_name = {r.name: r for r in outcome.results}
    best = by_name.get(BEST_MP2V)
    if best is None:
        return "MP2V was not part of this run."
    baselines = [r for r in outcome.results if not r.name.startswith(("MP2V", "R-MP2V")) and r.name != PRODUCTION]
    strongest = sorted(baselines, key=lambda r: -(r.metrics["recall@20"] + r.metrics["ndcg@20"]))[:3]
    rows = [r for r in (best, by_name.get(SINGLE), *strongest, by_name.get(PRODUCTION)) if r is not None]
    top = {metric: max(r.metrics[metric] for r in rows) for metric, _ in METRICS}
    users = len(best.users)
    table = [{"method": r.name, **{label: (f"**{r.metrics[m]:.4f}**" if r.metrics[m] == top[m] else
                                           f"{r.metrics[m]:.4f}") for m, label in METRICS}} for r in rows]
    lines = [f"From [`{report_link}`]({report_link}) (test split, {users:,} users; paired per-user tests):", "",
             markdown_table(table)]
    lines += ["", *[f"- {line}" for line in verdict(outcome)]]
    tests = {(t["b"], t["metric"]): t for t in outcome.tests}
    others = [*baselines, *([by_name[PRODUCTION]] if PRODUCTION in by_name else [])]
    ahead = [r.name for r in others if all(_significant(tests.get((r.name, m)), +1) for m, _ in METRICS)]
    behind = [f"{r.name} at {label}" for r in others for m, label in METRICS
              if _significant(tests.get((r.name, m)), -1)]
    level = f"p < {LEVEL:g}"
    lines.append(f"- Significantly ahead ({level}) at both metrics of: {', '.join(ahead) or 'none'}.")
    lines.append(f"- Significantly behind ({level}): {', '.join(behind) or 'nowhere'}.")
    return "\n".join(lines)


def _significant(test: dict[str, Any] | None, sign: int) -> bool:
    return bool(test) and test["p_value"] < LEVEL and sign * test["mean_diff"] > 0  # type: ignore[index]


def update_readme(readme: Path, dataset: str, block: str) -> bool:
    """Replace the text between the dataset's markers; False (README untouched) when they are absent."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    start, end = markers(dataset)
    if start not in text or end not in text or text.index(start) > text.index(end):
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    write_text(readme, f"{head}{start}\n{block}\n{end}{tail}")
    return True

