"""The walk engines as the benchmark times them: ``run_walks`` end to end, sampled walks, peak memory."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.walk_setup import ROOT, Dataset, scratch, vm_hwm_mib, walk_config
from mp2v.config import load_settings
from mp2v.db.runner import QueryRunner
from mp2v.graph.model import read_model
from mp2v.walks.config import WalkTask
from mp2v.walks.corpus import CorpusWriter, TaskSummary, sidecar_path
from mp2v.walks.nodes import NodeTable, load_node_table, start_nodes
from mp2v.walks.run import build_tasks, run_walks


@dataclass
class EngineResult:
    engine: str
    mode: str
    steps: int
    rates: list[float]
    #: Per-graph setup per run: {"projection": s} or {"export": s, "CSR": s} (median printed).
    setups: list[dict[str, float]]
    reason: str = ""
    seconds: list[float] = field(default_factory=list)
    #: The walk phase alone (query + streaming + writing; no metapath checks, node table, projection).
    walk_rates: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def walk_rate(self) -> float | None:
        return statistics.median(self.walk_rates) if self.walk_rates else None

    def setup_text(self) -> str:
        if not self.setups or not self.setups[0]:
            return "-"
        parts = {key: statistics.median(s[key] for s in self.setups) for key in self.setups[0]}
        return " + ".join(f"{value:.2f}" for value in parts.values()) + f" ({' + '.join(parts)})"


@dataclass
class Peak:
    engine: str
    walks_per_node: int
    chosen: str
    steps: int
    corpus_mb: float
    baseline_mib: float
    peak_mib: float
    rate: float


@dataclass(frozen=True)
class RunResult:
    rate: float
    walk_rate: float
    seconds: float
    steps: int
    engine: str
    reason: str
    setup: dict[str, float]


def full_run(runner: QueryRunner, dataset: Dataset, engine: str, out: Path) -> RunResult:
    """One ``run_walks`` end to end, with the per-graph setup it reported in the corpus sidecar."""
    summary = run_walks(runner, walk_config(dataset, engine), out, progress=False)
    sidecar = json.loads(sidecar_path(out).read_text())
    setup = ({"projection": sum(sidecar["projection_seconds"].values())} if summary.engine == "gds" else
             {"export": sidecar["export_seconds"], "CSR": sidecar["csr_seconds"]} if summary.engine == "memory"
             else {})
    return RunResult(summary.steps_per_second, summary.walk_steps_per_second, summary.seconds, summary.tokens,
                     summary.engine, summary.engine_reason, setup)


def engine_result(name: str, mode: str, runs: list[RunResult]) -> EngineResult:
    return EngineResult(name, mode, runs[0].steps, [r.rate for r in runs], [r.setup for r in runs],
                        runs[0].reason, [r.seconds for r in runs], [r.walk_rate for r in runs])


@dataclass
class Prepared:
    """What the sampled runs and the ceilings share: the task, node table, start nodes and a sample."""

    task: WalkTask
    nodes: NodeTable
    sources: np.ndarray
    sample: np.ndarray


def prepare(runner: QueryRunner, dataset: Dataset, sample_size: int | None) -> Prepared:
    task = build_tasks(walk_config(dataset, "gds"), read_model(runner))[0]
    nodes = load_node_table(runner, read_model(runner), sorted(set(task.metapath.labels)))
    sources = start_nodes(runner, task.metapath.hops[0])
    sample = sources
    if sample_size is not None and sample_size < sources.size:
        sample = np.sort(np.random.default_rng(5).choice(sources, sample_size, replace=False))
    return Prepared(task, nodes, sources, sample)


def sampled_walk(engine: Any, prepared: Prepared, sample: np.ndarray, out: Path) -> tuple[float, int]:
    """Walk ``sample`` with ``engine`` into a corpus file: (steps/s from first walk to last line, steps)."""
    task = prepared.task
    writer = CorpusWriter(out, prepared.nodes, task.walk_length)
    summary = TaskSummary(str(task.metapath), task.start_label, int(sample.size), 0)
    started = time.perf_counter()
    with closing(engine.walk(task, sample)) as batches:
        for batch in batches:
            writer.write(batch, summary, task.metapath)
    seconds = time.perf_counter() - started
    writer.commit({"benchmark": "sampled run"})
    return summary.steps / seconds, summary.steps


def peak_memory(dataset: Dataset, engine: str, walks_per_node: int) -> Peak:
    """``run_walks`` in a fresh Python process; its VmHWM before and after."""
    out = scratch() / f"rss-{dataset.name}-{engine}-{walks_per_node}.txt"
    spec = json.dumps({"dataset": dataset.name, "metapath": dataset.metapath, "engine": engine,
                       "walks_per_node": walks_per_node, "out": str(out)})
    completed = subprocess.run([sys.executable, "-m", "bench.bench_walks", "--rss-child", spec], cwd=ROOT,
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{completed.stderr[-3000:]}")
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    peak = Peak(engine, walks_per_node, data["engine"], data["steps"], out.stat().st_size / 1e6,
                data["baseline_mib"], data["peak_mib"], data["rate"])
    out.unlink(missing_ok=True)
    sidecar_path(out).unlink(missing_ok=True)
    return peak


def rss_child(spec_text: str) -> None:
    spec = json.loads(spec_text)
    dataset = Dataset(spec["dataset"], spec["metapath"], None, 0)
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        runner.verify()
        baseline = vm_hwm_mib()
        summary = run_walks(runner, walk_config(dataset, spec["engine"], spec["walks_per_node"]), Path(spec["out"]),
                            progress=False)
    print(json.dumps({"engine": summary.engine, "steps": summary.tokens, "baseline_mib": baseline,
                      "peak_mib": vm_hwm_mib(), "rate": summary.steps_per_second}))
