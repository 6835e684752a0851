"""Run a walk configuration against the database and stream the walks into a corpus file."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mp2v.db.admin import graph_stats
from mp2v.db.check import REQUIRED_GDS_PROCEDURES
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, WalkError
from mp2v.graph.metapath import Metapath, parse_metapath
from mp2v.graph.model import GraphModel, read_model
from mp2v.walks.base import WalkEngine
from mp2v.walks.config import WalkConfig, WalkTask
from mp2v.walks.corpus import BackgroundWrites, CorpusWriter, TaskSummary
from mp2v.walks.csr import export_pair
from mp2v.walks.cypher_engine import CypherEngine
from mp2v.walks.gds_engine import GdsEngine
from mp2v.walks.memory_engine import MemoryEngine
from mp2v.walks.nodes import NodeTable, load_node_table, max_degree, start_nodes
from mp2v.walks.schema import validate_metapath


@dataclass(frozen=True)
class CorpusSummary:
    path: Path
    engine: str
    engine_reason: str
    walks: int
    tokens: int
    seconds: float
    tasks: list[TaskSummary]

    @property
    def steps_per_second(self) -> float:
        """End to end: metapath checks, node table, start nodes, projection or export, walks, file."""
        return self.tokens / self.seconds if self.seconds else 0.0

    @property
    def walk_steps_per_second(self) -> float:
        """The walk phase only: query + streaming + writing (setup excluded; see TaskSummary.walk_seconds)."""
        seconds = sum(task.walk_seconds for task in self.tasks)
        return self.tokens / seconds if seconds else 0.0


def default_metapath(model: GraphModel) -> Metapath:
    """User-<interaction>-><Item><-<interaction>-User: every dataset has it, and it trains every user."""
    u, i, t = model.user_label, model.item_label, model.interaction_type
    return parse_metapath(f"{u}-{t}->{i}<-{t}-{u}")


def build_tasks(config: WalkConfig, model: GraphModel) -> list[WalkTask]:
    """One task per (metapath, start label); each gets its own seed so tasks are not correlated."""
    labels = {"users": [model.user_label], "items": [model.item_label],
              "both": [model.user_label, model.item_label], "first": []}[config.start]
    tasks: list[WalkTask] = []
    for metapath in config.metapaths:
        for label in labels or [metapath.start_label]:
            if label not in metapath.labels:
                raise ConfigError(f"metapath {metapath} never visits {label}, so walks cannot start from "
                                  f"{config.start}; choose another --start or add a hop through {label}")
            tasks.append(WalkTask(
                metapath=metapath.rotated_to(label),
                walks_per_node=metapath.walks_per_node or config.walks_per_node,
                walk_length=config.walk_length, weighted=config.weighted,
                seed=config.seed + 1_000 * len(tasks), concurrency=config.concurrency,
                source_batch_size=config.source_batch_size, exclude_holdout=config.exclude_holdout,
                return_weight=config.return_weight,
            ))
    return tasks


def gds_available(runner: QueryRunner) -> bool:
    names = {row["name"] for row in runner.read("admin/gds_procedures")}
    return all(name in names for name in REQUIRED_GDS_PROCEDURES if name != "gds.version")


def csr_memory_estimate(runner: QueryRunner, tasks: list[WalkTask], nodes: NodeTable,
                        walkers_per_chunk: int = MemoryEngine.DEFAULT_WALKERS_PER_CHUNK) -> int:
    """Bytes the in-memory engine needs at its peak, roughly (an upper bound: relationship counts per type).

    Per relationship of a hop's type: 24 B of exported arrays + about 40 B while a CSR is sorted, and 16 B per
    direction a hop walks it; about 100 B per node (table, tokens, per-row arrays); 8 B per step of one chunk
    of walkers (the int32 walk matrix and per-walker arrays) and about 64 B per step of the slice being
    turned into corpus lines.
    """
    counts = {t: int(runner.read("admin/count_relationship_type", identifiers={"Type": t})[0]["count"])
              for t in {hop.rel_type for task in tasks for hop in task.metapath.hops}}
    pairs = {(export_pair(hop), task.exclude_holdout) for task in tasks for hop in task.metapath.hops}
    hops = {(hop, task.exclude_holdout) for task in tasks for hop in task.metapath.hops}
    edges = sum(64 * counts[pair[1]] for pair, _ in pairs)
    edges += sum(16 * counts[hop.rel_type] * (2 if hop.direction == "BOTH" else 1) for hop, _ in hops)
    walk_length = max(task.walk_length for task in tasks)
    return edges + 100 * len(nodes) + 8 * walkers_per_chunk * walk_length + 64 * MemoryEngine.STEPS_PER_BATCH


def available_memory() -> int | None:
    """MemAvailable of this machine in bytes (Linux), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def choose_engine(runner: QueryRunner, config: WalkConfig, tasks: list[WalkTask],
                  nodes: NodeTable) -> tuple[WalkEngine, str]:
    """The engine to use and why.

    ``auto``: the in-memory CSR engine when a hop reaches a node of degree above ``hub_degree_threshold``
    (GDS scans a node's relationships at every step; the CSR engine samples in O(log degree)) and its arrays
    fit the memory budget; GDS otherwise (the CSR engine when GDS is not installed). The default threshold
    comes from the degree sweep of ``bench/bench_walks.py`` (docs/walks.md).
    """
    if config.engine == "gds":
        return GdsEngine(runner), "requested"
    if config.engine == "cypher":
        return CypherEngine(runner), "requested"
    if config.engine == "memory":
        return MemoryEngine(runner, nodes), "requested"
    if config.return_weight < 1.0:
        return MemoryEngine(runner, nodes), f"auto: return_weight {config.return_weight} (only this engine has it)"
    hub = max(max_degree(runner, hop.target, hop.rel_type) for task in tasks for hop in task.metapath.hops)
    threshold = config.hub_degree_threshold
    if hub <= threshold:
        if not gds_available(runner):
            return MemoryEngine(runner, nodes), "auto: GDS procedures are not installed"
        return GdsEngine(runner), f"auto: largest degree {hub:,} <= hub_degree_threshold {threshold:,}"
    need = csr_memory_estimate(runner, tasks, nodes)
    available = available_memory()
    budget = (config.memory_budget_mb * 2**20 if config.memory_budget_mb is not None
              else available // 2 if available is not None else None)
    why = (f"largest degree {hub:,} > hub_degree_threshold {threshold:,}, where GDS scans a node's relationships "
           "at every step and measured slower than the CSR engine (docs/walks.md)")
    if budget is not None and need > budget:
        if not gds_available(runner):
            return MemoryEngine(runner, nodes), (
                f"auto: {why}; the CSR engine needs about {need / 2**20:,.0f} MiB, over its budget of "
                f"{budget / 2**20:,.0f} MiB (memory_budget_mb), but GDS is not installed")
        return GdsEngine(runner), (
            f"auto: {why}, but the CSR engine would need about {need / 2**20:,.0f} MiB > its budget of "
            f"{budget / 2**20:,.0f} MiB (memory_budget_mb); expect slow steps at hubs")
    fits = f"about {need / 2**20:,.0f} MiB" + (f" of a {budget / 2**20:,.0f} MiB budget" if budget else "")
    return MemoryEngine(runner, nodes), f"auto: {why}; the CSR engine needs {fits}"


def run_walks(runner: QueryRunner, config: WalkConfig, out: Path, *, progress: bool = True,
              engine: WalkEngine | None = None) -> CorpusSummary:
    """Validate the metapaths, walk every task, and write the corpus and its sidecar."""
    started = time.monotonic()
    model = read_model(runner)
    for metapath in config.metapaths:
        validate_metapath(runner, metapath)
    tasks = build_tasks(config, model)
    labels = sorted({label for task in tasks for label in task.metapath.labels})
    nodes = load_node_table(runner, model, labels)
    reason = "given"
    if engine is None:
        engine, reason = choose_engine(runner, config, tasks, nodes)
    writer = CorpusWriter(out, nodes, config.walk_length)
    summaries: list[TaskSummary] = []
    try:
        for task in tasks:
            summaries.append(_run_task(runner, engine, task, nodes, writer, progress))
        elapsed = time.monotonic() - started
        summary = CorpusSummary(out, engine.name, reason, writer.walks, writer.tokens, elapsed, summaries)
        writer.commit(_sidecar(runner, config, model, summary, engine))
        return summary
    except BaseException:
        writer.abort()
        raise
    finally:
        engine.close()


def _run_task(runner: QueryRunner, engine: WalkEngine, task: WalkTask, nodes: NodeTable,
              writer: CorpusWriter, progress: bool) -> TaskSummary:
    started = time.monotonic()
    sources = start_nodes(runner, task.metapath.hops[0], task.exclude_holdout)
    label_code = nodes.label_names.index(task.start_label)
    total = int((nodes.labels == label_code).sum())
    summary = TaskSummary(str(task.metapath), task.start_label, total, total - int(sources.size))
    expected = int(sources.size) * task.walks_per_node
    bar = tqdm(total=expected, unit="walks", disable=not progress, desc=f"{task.metapath} ({engine.name})",
               unit_scale=True, smoothing=0.1)
    setup_before = _setup_seconds(engine)
    walk_started = time.monotonic()
    try:
        # closing(): an interrupted walk stops its server-side query before the projection is dropped.
        with closing(engine.walk(task, sources)) as batches, \
                BackgroundWrites(writer, summary, task.metapath) as writes:
            for batch in batches:
                writes.put(batch)
                bar.update(batch.count)
                # Release the batch before the engine builds the next one: the writer's queue holds the rest.
                del batch
    except KeyboardInterrupt:
        raise WalkError("walks interrupted: the server-side walk was stopped and the projection dropped") from None
    finally:
        bar.close()
    summary.seconds = time.monotonic() - started
    summary.walk_seconds = time.monotonic() - walk_started - (_setup_seconds(engine) - setup_before)
    if summary.walks != expected:
        raise WalkError(f"{task.metapath}: expected {expected} walks from {sources.size} start nodes, "
                        f"got {summary.walks}; the {engine.name} engine dropped walks")
    return summary


def _setup_seconds(engine: WalkEngine) -> float:
    """Projection / export / CSR time an engine has spent so far (it does that work on its first walk)."""
    projections = getattr(engine, "projection_seconds", {}) or {}
    return float(sum(projections.values()) + (getattr(engine, "export_seconds", 0.0) or 0.0)
                 + (getattr(engine, "csr_seconds", 0.0) or 0.0))


def _sidecar(runner: QueryRunner, config: WalkConfig, model: GraphModel, summary: CorpusSummary,
             engine: WalkEngine) -> dict[str, Any]:
    stats = graph_stats(runner, with_degrees=False)
    return {
        "format": "one walk per line; tokens are <prefix>:<id>",
        "token_prefixes": model.token_prefixes,
        "dataset": model.dataset,
        "metapaths": [str(m) for m in config.metapaths],
        "parameters": {k: v for k, v in asdict(config).items() if k != "metapaths"},
        "engine": summary.engine,
        "engine_reason": summary.engine_reason,
        "projection_seconds": getattr(engine, "projection_seconds", {}),
        "export_seconds": getattr(engine, "export_seconds", None),
        "csr_seconds": getattr(engine, "csr_seconds", None),
        "graph": {"labels": stats.labels, "relationships": stats.relationships},
        "walks": summary.walks,
        "tokens": summary.tokens,
        "seconds": round(summary.seconds, 3),
        "steps_per_second": round(summary.steps_per_second),
        "walk_steps_per_second": round(summary.walk_steps_per_second),
        "tasks": summary.tasks,
    }
