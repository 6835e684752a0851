"""`mp2v benchmark` machinery on a planted graph: search, test once, ablations, paired tests, the report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mp2v.config import ProjectPaths, Settings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.experiments.benchmark import report
from mp2v.experiments.benchmark.headline import headline, markers, update_readme
from mp2v.experiments.benchmark.run import BEST_MP2V, Benchmark, BenchmarkConfig
from tests.conftest import Backend
from tests.graphs import two_communities

QUICK = BenchmarkConfig(quick=True, baselines=("popularity", "ease"), gnn=False)


@pytest.fixture()
def settings(tmp_path: Path, neo4j_backend: Backend) -> Settings:
    return replace(load_settings(), paths=ProjectPaths(tmp_path / "home"), neo4j=neo4j_backend.settings)


def test_quick_benchmark_reports_and_resumes(db: QueryRunner, settings: Settings, tmp_path: Path) -> None:
    two_communities(db, users_per_side=15, items_per_side=20, watched_per_user=6)
    lines: list[str] = []
    outcome = Benchmark(db, settings, QUICK, log=lines.append).run()
    names = [r.name for r in outcome.results]
    assert names[:3] == ["Popularity", "EASE", "item2vec (production)"]
    assert {BEST_MP2V, "R-MP2V (single model)", "MP2V uniform (single model)"} <= set(names)
    best = next(r for r in outcome.results if r.name == BEST_MP2V)
    popularity = next(r for r in outcome.results if r.name == "Popularity")
    # The planted communities are easy for MP2V and invisible to popularity.
    assert best.metrics["ndcg@10"] > popularity.metrics["ndcg@10"] + 0.1
    assert {t["b"] for t in outcome.tests} == set(names) - {BEST_MP2V}
    assert all(0 <= t["p_value"] <= 1 and t["ci_low"] <= t["mean_diff"] <= t["ci_high"] for t in outcome.tests)
    assert outcome.ablations and all(r.name.startswith("ablation: ") for r in outcome.ablations)
    assert any(t.params.get("trainer") == "numba-typed" for t in outcome.searches["MP2V"].trials)
    # The single configuration was chosen among two finalists by the mean of two seeds.
    assert sum(t.params.get("seed_offset") == 1 for t in outcome.searches["MP2V"].trials) == 2
    assert any("chosen by the mean of 2 seeds" in line for line in lines)
    markdown, data = report.write(outcome, tmp_path / "results", "mp2v benchmark --quick")
    text = markdown.read_text()
    for heading in ("## Verdict", "## Test results", "## Ablations", "## MP2V search on validation",
                    f"## {BEST_MP2V} against every method"):
        assert heading in text
    assert "ahead of every baseline" in text or "level with the strongest" in text or "BEHIND" in text
    assert "| R@20 per seed |" in text and "| yes |" in text
    assert '"verdict"' in data.read_text()
    # The README block: rewritten between its markers, everything around it kept.
    block = headline(outcome, "results/x.md")
    assert f"| {BEST_MP2V} |" in block and "Significantly ahead" in block and "(results/x.md)" in block
    start, end = markers(outcome.model.dataset)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{start}\nold numbers\n{end}\noutro\n")
    assert update_readme(readme, outcome.model.dataset, block)
    assert readme.read_text() == f"intro\n{start}\n{block}\n{end}\noutro\n"
    assert not update_readme(readme, "another-dataset", block)
    # Every trial is recorded; a second run reuses them all and refits nothing.
    recorded = len(outcome.searches["MP2V"].trials)
    again_lines: list[str] = []
    again = Benchmark(db, settings, QUICK, log=again_lines.append).run()
    assert not any(line.startswith("testing") for line in again_lines)
    assert len(again.searches["MP2V"].trials) == recorded
    assert [r.metrics for r in again.results] == [r.metrics for r in outcome.results]
