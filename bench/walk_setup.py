"""The walk benchmark's shared ground: its private server and data, the datasets it measures, small helpers."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import powerlaw_graph
from mp2v.config import Settings
from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner
from mp2v.graph.metapath import parse_metapath
from mp2v.ops.server import LocalServer, start_local
from mp2v.walks.config import WalkConfig

ROOT = Path(__file__).resolve().parent.parent
BENCH_HOME = ROOT / ".mp2v" / "bench-walks"
BOLT_PORT = "7695"
WALK_LENGTH = 40
WALKS_PER_NODE = 10


def configure_environment() -> None:
    """The benchmark's own server and database, whatever the caller's environment says."""
    os.environ["MP2V_HOME"] = str(BENCH_HOME)
    os.environ["MP2V_BOLT_PORT"] = BOLT_PORT
    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USERNAME", "NEO4J_USER", "NEO4J_DATABASE"):
        os.environ.pop(name, None)


@dataclass(frozen=True)
class Dataset:
    name: str
    metapath: str
    #: Start nodes of the sampled runs (gds: None = every start node, run_walks end to end).
    gds_sample: int | None
    cypher_sample: int
    #: Runs per figure (medians); Last.fm runs take about a second, so more of them steady the median.
    runs: int = 3


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def walk_config(dataset: Dataset, engine: str, walks_per_node: int = WALKS_PER_NODE) -> WalkConfig:
    return WalkConfig(metapaths=(parse_metapath(dataset.metapath),), walks_per_node=walks_per_node,
                      walk_length=WALK_LENGTH, engine=engine)  # type: ignore[arg-type]


def vm_hwm_mib() -> float:
    """Peak resident set size of this process so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scratch() -> Path:
    folder = BENCH_HOME / "scratch"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- server and data -------------------------------------------------------------------------------------------
@contextmanager
def bench_server(settings: Settings) -> Iterator[Settings]:
    """The private server, started if needed; stopped at the end only if this run started it.

    Yields the settings to connect with: on a fresh home the password exists only once the server started.
    """
    if not settings.neo4j.local:
        raise SystemExit("the benchmark needs the project's local server (NEO4J_URI must not be set)")
    server = LocalServer(settings.server)
    connected, started = start_local(settings)
    say(f"server on port {settings.server.bolt_port}: "
        f"{'already running' if started.already_running else f'started in {started.seconds:.0f} s'}")
    try:
        yield connected
    finally:
        if not started.already_running:
            server.stop()
            say("server stopped")


def loaded_dataset(settings: Settings) -> str | None:
    with QueryRunner(settings.neo4j) as runner:
        rows = runner.read("model/read_dataset")
    return rows[0]["properties"]["name"] if len(rows) == 1 else None


def ensure_loaded(settings: Settings, name: str) -> str:
    """Bulk-load ``name`` unless it is what the database holds; returns how it got there."""
    if loaded_dataset(settings) == name:
        return "already loaded"
    from loaders import LoadOptions, rejects_folder, run_load

    started = time.perf_counter()
    if name == "lastfm":
        from loaders.lastfm import LastfmConfig, build_plan

        config = LastfmConfig()
        with QueryRunner(settings.neo4j) as runner:
            result = run_load(lambda v: build_plan(config, v), runner, LoadOptions(bulk=True, force=True,
                              progress=False), rejects_dir=rejects_folder(settings.paths.home, name),
                              server=settings.server)
        assert result.bulk is not None
        import_seconds = result.bulk.import_seconds
    else:
        csv = scratch() / "powerlaw.csv"
        graph = powerlaw_graph.generate()
        powerlaw_graph.write_csv(graph, csv)
        import_seconds = powerlaw_graph.load(csv)["import_seconds"]
    return (f"bulk-loaded in {time.perf_counter() - started:.0f} s (neo4j-admin import {import_seconds:.0f} s; "
            "the rest is validation, server stop/start, constraints)")


def graph_facts(runner: QueryRunner, dataset: Dataset) -> dict[str, Any]:
    metapath = parse_metapath(dataset.metapath)
    hop = metapath.hops[0]
    text = (f"MATCH (n:`{hop.target}`) WITH COUNT {{ (n)-[:`{hop.rel_type}`]-() }} AS d "
            "RETURN count(*) AS items, max(d) AS max_degree, sum(d) AS edges, sum(d * d) AS squares")
    row = runner.read(Statement(text))[0]
    users = runner.read(Statement(f"MATCH (n:`{hop.source}`) RETURN count(n) AS n"))[0]["n"]
    return {"users": int(users), "items": int(row["items"]), "edges": int(row["edges"]),
            "max_item_degree": int(row["max_degree"]),
            "degree_biased_mean": float(row["squares"]) / max(1, int(row["edges"]))}
