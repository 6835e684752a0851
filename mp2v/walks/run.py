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
from mp2v.graph_model import GraphModel, read_model
from mp2v.metapath import Metapath, parse_metapath
from mp2v.walks.base import WalkEngine
from mp2v.walks.config import WalkConfig, WalkTask
from mp2v.walks.corpus import CorpusWriter, TaskSummary
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
        return self.tokens / self.seconds if self.seconds else 0.0


def default_metapath(model: GraphModel) -> Metapath:
    """User-<interaction>-><Item><-<interaction>-User: every dataset has it, and it trains every user."""
    u, i, t = model.user_label, model.item_label, model.interaction_type
    return parse_metapath(f"{u}-{t}->{i}<-{t}-{u}")


def build_tasks(config: WalkConfig, model: GraphModel) -> list[WalkTask]:
    """One task per (metapath, start label); each gets its own seed so tasks are not correlated."""
    labels = {"users": [model.user_label], "items": [model.item_label],
              "both": [model.user_label, model.item_label]}[config.start]
    tasks: list[WalkTask] = []
    for metapath in config.metapaths:
        for label in labels:
            if label not in metapath.labels:
                raise ConfigError(f"metapath {metapath} never visits {label}, so walks cannot start from "
                                  f"{config.start}; choose another --start or add a hop through {label}")
            tasks.append(WalkTask(
                metapath=metapath.rotated_to(label),
                walks_per_node=metapath.walks_per_node or config.walks_per_node,
                walk_length=config.walk_length, weighted=config.weighted,
                seed=config.seed + 1_000 * len(tasks), concurrency=config.concurrency,
                source_batch_size=config.source_batch_size, exclude_holdout=config.exclude_holdout,
            ))
    return tasks


def gds_available(runner: QueryRunner) -> bool:
    names = {row["name"] for row in runner.read("admin/gds_procedures")}
    return all(name in names for name in REQUIRED_GDS_PROCEDURES if name != "gds.version")


def choose_engine(runner: QueryRunner, config: WalkConfig, tasks: list[WalkTask],
                  nodes: NodeTable) -> tuple[WalkEngine, str]:
    """The engine to use and why (``auto``: GDS unless hubs would make its O(degree) steps slow)."""
    if config.engine == "gds":
        return GdsEngine(runner), "requested"
    if config.engine == "cypher":
        return CypherEngine(runner), "requested"
    if config.engine == "memory":
        return MemoryEngine(runner, nodes), "requested"
    if not gds_available(runner):
        return MemoryEngine(runner, nodes), "auto: GDS procedures are not installed"
    hub = max(max_degree(runner, hop.target, hop.rel_type) for task in tasks for hop in task.metapath.hops)
    if hub > config.hub_degree_threshold:
        return MemoryEngine(runner, nodes), (
            f"auto: a hop reaches a node of degree {hub:,} > {config.hub_degree_threshold:,}, where GDS scans "
            "every relationship per step; the CSR engine samples in O(log degree)")
    return GdsEngine(runner), f"auto: largest degree {hub:,} <= {config.hub_degree_threshold:,}"


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
    try:
        # closing(): an interrupted walk stops its server-side query before the projection is dropped.
        with closing(engine.walk(task, sources)) as batches:
            for batch in batches:
                writer.write(batch, summary, task.metapath)
                bar.update(batch.count)
    except KeyboardInterrupt:
        raise WalkError("walks interrupted: the server-side walk was stopped and the projection dropped") from None
    finally:
        bar.close()
    summary.seconds = time.monotonic() - started
    if summary.walks != expected:
        raise WalkError(f"{task.metapath}: expected {expected} walks from {sources.size} start nodes, "
                        f"got {summary.walks}; the {engine.name} engine dropped walks")
    return summary


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
        "graph": {"labels": stats.labels, "relationships": stats.relationships},
        "walks": summary.walks,
        "tokens": summary.tokens,
        "seconds": round(summary.seconds, 3),
        "steps_per_second": round(summary.steps_per_second),
        "tasks": summary.tasks,
    }
