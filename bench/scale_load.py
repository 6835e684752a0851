"""Serving under load: 1, 4, 16 and 64 concurrent clients on loopback against the served run of one size.

Each client is a thread with its own driver (as separate application instances would be), alternating
``Server.recommend`` and ``Server.similar`` (k = 20, exclude seen) on random users and items for a bounded
time and count. Reported per client count: queries/s, p50/p99 latency of each kind, and errors (any
exception; none are allowed). Then the 16-client run again while another process works on the same graph
beside it: ``mp2v walk``, and ``mp2v load csv`` re-loading a slice of the size's own interactions (a daily
delta's write load through the transactional path; idempotent, so the graph is unchanged). The clients run
in one Python process, so at 64 clients part of the latency is this process's GIL, not Neo4j: the table says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import scale_stages
from mp2v.config import Settings

CLIENTS = (1, 4, 16, 64)
MAX_QUERIES_PER_CLIENT = 2_000
#: Rows of the load beside the clients: ``size // 10``, at most this (long enough to outlast a row).
BESIDE_LOAD_ROWS = 200_000


def _client(settings: Settings, model: Any, slot: str, users: list[Any], items: list[Any], seed: int,
            deadline: float, out: dict[str, list[float]], errors: list[str]) -> None:
    from mp2v.db.runner import QueryRunner
    from mp2v.serving.vector_index import Server

    rng = np.random.default_rng(seed)
    local: dict[str, list[float]] = {"recommend": [], "similar": []}
    try:
        with QueryRunner(settings.neo4j) as runner:
            server = Server(runner, model, slot)
            for n in range(MAX_QUERIES_PER_CLIENT):
                if time.monotonic() >= deadline:
                    break
                kind = "recommend" if n % 2 == 0 else "similar"
                started = time.perf_counter()
                try:
                    if kind == "recommend":
                        server.recommend(users[int(rng.integers(len(users)))], 20)
                    else:
                        server.similar(items[int(rng.integers(len(items)))], 20)
                except Exception as error:  # every failure counts as an error of the run
                    errors.append(f"{kind}: {error}")
                    continue
                local[kind].append(time.perf_counter() - started)
    except Exception as error:
        errors.append(f"client: {error}")
    for kind, values in local.items():
        out[kind].extend(values)


def load_level(settings: Settings, model: Any, slot: str, users: list[Any], items: list[Any], clients: int,
               seconds: float) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {"recommend": [], "similar": []}
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=_client, args=(settings, model, slot, users, items, seed, deadline,
                                                      latencies, errors)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    queries = sum(len(v) for v in latencies.values())
    row: dict[str, Any] = {"clients": clients, "queries": queries, "qps": round(queries / elapsed, 1),
                           "errors": len(errors), "first_error": errors[0] if errors else ""}
    for kind, values in latencies.items():
        ms = np.asarray(values or [np.nan]) * 1000
        row[f"{kind}_p50_ms"] = round(float(np.percentile(ms, 50)), 1)
        row[f"{kind}_p99_ms"] = round(float(np.percentile(ms, 99)), 1)
    return row


def _walk_beside(folder: Path) -> subprocess.Popen[bytes]:
    """``mp2v walk`` on the same graph in another process (its corpus is thrown away)."""
    command = [sys.executable, "-m", "mp2v.cli.main", "walk", "--walks-per-node", "5", "--walk-length", "20",
               "--out", str(folder / "beside-walk.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))


def _head(source: Path, target: Path, rows: int) -> Path:
    """The header and first ``rows`` rows of ``source``."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for n, line in enumerate(lines):
            if n > rows:
                break
            out.write(line)
    return target


def beside_delta(folder: Path, size: int) -> dict[str, Path]:
    """Slices of the size's own files for the load beside: ``size // 10`` interactions (at most
    BESIDE_LOAD_ROWS), and 1,000 follows and features (the loader refuses a load whose labels differ)."""
    files = folder / "files"
    return {"interactions": _head(files / "interactions.csv", folder / "beside-interactions.csv",
                                  min(size // 10, BESIDE_LOAD_ROWS)),
            "follows": _head(files / "follows.csv", folder / "beside-follows.csv", 1_000),
            "features": _head(files / "features.csv", folder / "beside-features.csv", 1_000)}


def _load_beside(folder: Path, size: int, dataset: str) -> subprocess.Popen[bytes]:
    """``mp2v load csv`` of slices already in the graph (MERGE: same edges, same weights) in another process;
    its output goes to ``beside-load.log``."""
    arguments = [part for name, path in beside_delta(folder, size).items() for part in (f"--{name}", str(path))]
    command = [sys.executable, "-m", "mp2v.cli.main", "load", "csv", *arguments, "--dataset", dataset,
               "--weight-transform", "log1p", "--no-progress"]
    with (folder / "beside-load.log").open("wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))


def _beside_row(settings: Settings, model: Any, users: list[Any], items: list[Any], seconds: float, label: str,
                process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The 16-client row while ``process`` runs beside it; waits for the process (its exit code is recorded)."""
    try:
        time.sleep(2.0)  # let the process get past its setup
        row = {"beside": label, **load_level(settings, model, "scale", users, items, 16, seconds)}
        row["beside"] += " (running)" if process.poll() is None else f" (ended rc {process.returncode})"
    finally:
        process.wait(timeout=900)
    row["beside_rc"] = process.returncode
    return row


def _interactions(runner: Any, model: Any) -> int:
    rows = runner.read("admin/count_relationship_type", identifiers={"Type": model.interaction_type})
    return int(rows[0]["count"])


def run_serving_load(size: int, workdir: Path, settings: Settings, checkpoint: Any, *, seconds: float = 10.0) -> None:
    from mp2v.db.check import connect
    from mp2v.graph.model import read_model
    from mp2v.ops.server import start_local

    if checkpoint.done(size, "serving_load"):
        return
    ctx = scale_stages.SizeContext(size, workdir / f"size-{size}", settings)
    settings, _ = start_local(settings)
    ctx.settings = settings
    with connect(settings.neo4j) as runner:
        if not scale_stages.ensure_loaded(ctx, runner):
            print(f"[{size:,}] reloading the catalogue and serving its run for the load test", flush=True)
            scale_stages.stage_load(ctx, runner)
    settings, _ = start_local(settings)
    ctx.settings = settings
    with connect(settings.neo4j) as runner:
        ctx.extra["run_id"] = (checkpoint.done(size, "train") or {}).get("run_id")
        scale_stages.stage_serve(ctx, runner, queries=5)  # a no-op when the run is served already
        model = read_model(runner)
    run = ctx.runs.load(ctx.extra["run_id"] or ctx.runs.latest("R-MP2V").run_id)
    rng = np.random.default_rng(3)
    users = rng.choice(run.embeddings.user_ids, 2_000).tolist()
    items = rng.choice(run.embeddings.item_ids, 2_000).tolist()
    rows = []
    for clients in CLIENTS:
        row = {"beside": "-", **load_level(settings, model, "scale", users, items, clients, seconds)}
        print(f"[{size:,}] serving load: {row}", flush=True)
        rows.append(row)
    rows.append(_beside_row(settings, model, users, items, seconds, "mp2v walk", _walk_beside(ctx.folder)))
    print(f"[{size:,}] serving load: {rows[-1]}", flush=True)
    with connect(settings.neo4j) as runner:
        before = _interactions(runner, model)
    loader = _load_beside(ctx.folder, size, ctx.dataset)
    rows.append(_beside_row(settings, model, users, items, seconds, "mp2v load csv", loader))
    with connect(settings.neo4j) as runner:
        rows[-1]["interactions_before_after"] = [before, _interactions(runner, model)]
    print(f"[{size:,}] serving load: {rows[-1]}", flush=True)
    lines = ["| clients | beside | queries | queries/s | recommend p50 / p99 ms | similar p50 / p99 ms | errors |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['clients']} | {r['beside']} | {r['queries']:,} | {r['qps']:,.1f} | {r['recommend_p50_ms']} / "
              f"{r['recommend_p99_ms']} | {r['similar_p50_ms']} / {r['similar_p99_ms']} | {r['errors']} |"
              for r in rows]
    lines.append(f"\n{seconds:.0f} s per row, k = 20; clients are threads of one Python process (each with its own "
                 "driver) on loopback, so at 64 clients part of the latency is the client's GIL. Beside: another "
                 f"process walks the graph (`mp2v walk`, 5 walks of 20 per node) or re-loads the first "
                 f"{min(size // 10, BESIDE_LOAD_ROWS):,} interactions (`mp2v load csv`, transactional MERGE: "
                 "the interaction count is checked unchanged); its state at the end of the row is shown.")
    checkpoint.record(size, "serving_load", {"rows": rows, "markdown": "\n".join(lines)})
