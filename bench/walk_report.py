"""The walk benchmark's printed report: engines, ceilings and ratios, memory peaks, the degree sweep."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.walk_ceilings import Ceiling
from bench.walk_engines import EngineResult, Peak
from bench.walk_setup import WALK_LENGTH, WALKS_PER_NODE, Dataset
from bench.walk_sweep import SweepPoint
from mp2v.common.tables import markdown_table
from mp2v.walks.config import WalkConfig


@dataclass
class DatasetReport:
    dataset: Dataset
    graph: dict[str, Any]
    load: str
    engines: list[EngineResult] = field(default_factory=list)
    ceilings: list[Ceiling] = field(default_factory=list)
    peaks: list[Peak] = field(default_factory=list)


def m(rate: float) -> str:
    """M steps/s with enough digits for the slow engines."""
    value = rate / 1e6
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}" if value >= 0.01 else f"{value:.5f}"


def print_report(reports: list[DatasetReport], points: list[SweepPoint], meta: dict[str, Any]) -> None:
    print(f"\n# Walk benchmark ({meta['date']}, {meta['machine']})")
    print(f"runs per figure: {meta['runs']} (median); load average {meta['load_before']} before, "
          f"{meta['load_after']} after; {meta['versions']}")
    for report in reports:
        ds, g = report.dataset, report.graph
        print(f"\n## {ds.name}: {ds.metapath}, {WALKS_PER_NODE} walks x {WALK_LENGTH} nodes per user")
        print(f"graph: {g['users']:,} users, {g['items']:,} items, {g['edges']:,} interactions, max item degree "
              f"{g['max_item_degree']:,}, degree-biased mean item degree {g['degree_biased_mean']:,.0f}; {report.load}")
        auto = report.engines[0]
        print(f"auto chose: {auto.mode.split('-> ')[-1]} ({auto.reason})\n")
        print(markdown_table([{
            "engine": e.engine, "M steps/s end to end (median)": m(e.rate),
            "runs, M steps/s": ", ".join(m(r) for r in e.rates),
            "walk phase M steps/s": m(e.walk_rate) if e.walk_rate else "-",
            "run s": f"{statistics.median(e.seconds):.1f}" if e.seconds else "-",
            "setup s": e.setup_text(), "what was timed": e.mode} for e in report.engines]))
        print()
        print(markdown_table([{
            "raw ceiling (iterate and drop)": c.name, "records": f"{c.records:,}", "M steps/s": m(c.rate),
            "runs, M steps/s": ", ".join(m(r) for r in c.rates),
            "auto walk phase / ceiling": (f"**{statistics.median(c.auto_walk_ratios):.2f}**"
                                          if c.auto_walk_ratios else "-"),
            "auto end to end / ceiling (runs)": (f"{statistics.median(c.auto_ratios):.2f} "
                                                 f"({', '.join(f'{r:.2f}' for r in c.auto_ratios)})"),
            "gds engine / ceiling": f"{statistics.median(c.gds_ratios):.2f}"} for c in report.ceilings]))
        print("\nratios are medians of per-run ratios (engine and ceilings measured back to back in each run)\n")
        print(markdown_table([{
            "peak RSS: engine (chose)": f"{p.engine} ({p.chosen})", "walks/node": str(p.walks_per_node),
            "steps": f"{p.steps:,}", "corpus MB": f"{p.corpus_mb:,.0f}",
            "VmHWM MiB (after imports)": f"{p.peak_mib:,.0f} ({p.baseline_mib:,.0f})"} for p in report.peaks]))
    if points:
        print("\n## Degree sweep: regular bipartite graphs (20 k+ users x 10 items, weighted), per walk step")
        print(markdown_table([{
            "item degree": f"{point.degree:,}", "projected rels": f"{point.relationships:,}",
            "GDS walk+stream+write M steps/s (steps)": f"{m(point.gds_rate)} ({point.gds_steps:,})",
            "CSR walk+write M steps/s": m(point.memory_rate),
            "faster": "gds" if point.gds_rate > point.memory_rate else "csr"} for point in points]))
        slower = [point.degree for point in points if point.gds_rate < point.memory_rate]
        print(f"\nGDS slower than the CSR engine from degree {min(slower):,}" if slower else
              "\nGDS was faster at every degree measured")
        default = WalkConfig.__dataclass_fields__["hub_degree_threshold"].default
        print(f"WalkConfig.hub_degree_threshold default: {default:,}")


def machine() -> str:
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {int(memory) / 1024 ** 2:.0f} GiB, {platform.platform()}"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {platform.python_version()}"]
    for package in ("numpy", "neo4j", "neo4j-rust-ext"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} absent")
    return ", ".join(parts)
