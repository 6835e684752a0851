"""Load throughput, transactional vs bulk, on Last.fm and on a generated KuaiRec-shaped matrix (>= 2 M rows).

Not a test: it prints a table. It WIPES the database of the server it talks to, so it runs only against the
project's local server and only with ``--wipe``; use a private one::

    MP2V_HOME=.mp2v/loader-dev MP2V_BOLT_PORT=7692 .venv/bin/mp2v db start
    MP2V_HOME=.mp2v/loader-dev MP2V_BOLT_PORT=7692 .venv/bin/python -m bench.bench_load --wipe

Figures (medians over ``--runs`` for Last.fm, ``--big-runs`` for the big file):

* transactional ``rels/s``: relationships / seconds of the relationship batches; ``write rels/s``: all
  relationships / the whole write phase (schema, nodes, relationships); warm = after one warm-up load;
* bulk ``import rels/s``: relationships / the neo4j-admin run alone; ``end-to-end rels/s``: relationships /
  (importer files + server stop + import + server start + constraints and :Dataset node);
* validation (reading, checking, aggregating the files) is the same for both paths and shown apart;
* ``rels/srv-CPU-s``: relationships per CPU-second the server JVM spent on a transactional load, a figure
  that other processes on a shared machine do not distort (the 1-minute load average is printed too).

The KuaiRec file is loaded with ``--threshold 0`` so that every (user, video) pair becomes an edge.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from loaders import LoadOptions, LoadResult, run_load
from loaders import kuairec as kuairec_loader
from loaders import lastfm as lastfm_loader
from loaders.pipeline import PlanBuilder
from loaders.plan import GraphPlan
from loaders.rejects import Validation
from mp2v.config import load_settings
from mp2v.db.admin import clear_database
from mp2v.db.check import connect
from mp2v.ops.server import LocalServer, start_local
from tests.data_factories import write_categories, write_large_matrix


@dataclass
class Row:
    dataset: str
    path: str
    relationships: int = 0
    validate_s: list[float] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)          # rel stage (T) / importer (B)
    end_to_end: list[float] = field(default_factory=list)    # write phase (T) / stop..constraints (B)
    server_cpu_rate: list[float] = field(default_factory=list)  # T: rels per server CPU-second
    load_average: list[float] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)

    def line(self) -> str:
        def med(values: list[float], width: int = 12) -> str:
            return f"{statistics.median(values):>{width},.0f}" if values else f"{'-':>{width}}"
        return (f"{self.dataset:<22} {self.path:<14} {len(self.rate):>4} {self.relationships:>12,} "
                f"{statistics.median(self.validate_s) if self.validate_s else 0:>9.1f} {med(self.rate)} "
                f"{med(self.end_to_end)} {med(self.server_cpu_rate, 14)} "
                f"{statistics.median(self.load_average) if self.load_average else 0:>8.1f}")


def server_cpu_seconds(server: LocalServer) -> float:
    """CPU time (user + system) the server JVM has used so far; other people's load does not inflate it."""
    pid = server.pid()
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def record(row: Row, result: LoadResult, server_cpu: float) -> None:
    row.relationships = result.plan.relationship_count
    row.validate_s.append(result.validate_seconds)
    row.load_average.append(os.getloadavg()[0])
    if result.write is not None:
        rel_steps = [s for s in result.write.steps if s.kind == "relationships"]
        row.rate.append(sum(s.rows for s in rel_steps) / sum(s.seconds for s in rel_steps))
        row.end_to_end.append(row.relationships / result.write.seconds)
        row.server_cpu_rate.append(row.relationships / server_cpu if server_cpu > 0 else 0.0)
        row.detail.append(f"write {result.write.seconds:.1f} s (schema {result.write.schema_seconds:.1f}), "
                          f"server CPU {server_cpu:.1f} s")
    if result.bulk is not None:
        bulk = result.bulk
        row.rate.append(bulk.import_rate)
        row.end_to_end.append(bulk.end_to_end_rate)
        row.detail.append(f"files {bulk.files_seconds:.1f} + stop {bulk.stop_seconds:.1f} + import "
                          f"{bulk.import_seconds:.1f} + start {bulk.start_seconds:.1f} + constraints "
                          f"{bulk.schema_seconds:.1f} = {bulk.seconds:.1f} s")
    print(f"  {row.dataset} {row.path}: {row.detail[-1]}, validation {result.validate_seconds:.1f} s, "
          f"load average {row.load_average[-1]:.1f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wipe", action="store_true", help="confirm that the database may be wiped")
    parser.add_argument("--rows", type=int, default=2_500_000, help="interactions in the generated matrix")
    parser.add_argument("--runs", type=int, default=3, help="Last.fm runs per path (median)")
    parser.add_argument("--big-runs", type=int, default=1, help="runs per path on the generated matrix")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--skip-lastfm", action="store_true", help="only the generated matrix (large --rows)")
    parser.add_argument("--workdir", type=Path, default=None, help="generated files (default MP2V_HOME/bench-load)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if not args.wipe or not settings.neo4j.local:
        parser.error("the benchmark wipes the database: pass --wipe, and use the local server (no NEO4J_URI)")
    workdir = args.workdir or settings.paths.home / "bench-load"
    kuairec_dir = workdir / f"kuairec-{args.rows}"
    if not (kuairec_dir / "big_matrix.csv").is_file():
        kuairec_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        frame = write_large_matrix(kuairec_dir / "big_matrix.csv", args.rows)
        write_categories(kuairec_dir / "item_categories.csv", int(frame["video_id"].max()) + 1)
        print(f"generated {args.rows:,} interactions in {time.perf_counter() - started:.1f} s", flush=True)
    server = LocalServer(settings.server)
    settings, _ = start_local(settings)  # on a fresh home the password exists only once the server started
    runner = connect(settings.neo4j)
    options = LoadOptions(batch_size=args.batch_size, progress=False)
    rejects = workdir / "rejects"

    def lastfm(validation: Validation) -> GraphPlan:
        return lastfm_loader.build_plan(lastfm_loader.LastfmConfig(), validation)

    big = kuairec_loader.KuaiRecConfig(kuairec_dir, threshold=0.0)

    def kuairec(validation: Validation) -> GraphPlan:
        return kuairec_loader.build_plan(big, validation)

    def transactional(build: PlanBuilder, row: Row, runs: int, warm_up: bool) -> None:
        for run in range(runs + int(warm_up)):
            clear_database(runner)
            cpu_before = server_cpu_seconds(server)
            result = run_load(build, runner, options, rejects_dir=rejects)
            if warm_up and run == 0:
                print(f"  warm-up load: {result.write.seconds if result.write else 0:.1f} s", flush=True)
                continue
            record(row, result, server_cpu_seconds(server) - cpu_before)

    def bulk(build: PlanBuilder, row: Row, runs: int) -> None:
        for _ in range(runs):
            bulk_options = LoadOptions(batch_size=args.batch_size, progress=False, bulk=True, force=True)
            record(row, run_load(build, runner, bulk_options, rejects_dir=rejects, server=settings.server), 0.0)

    rows = [Row("Last.fm", "transactional"), Row("Last.fm", "bulk"),
            Row(f"KuaiRec-shaped {args.rows / 1e6:g} M", "transactional"),
            Row(f"KuaiRec-shaped {args.rows / 1e6:g} M", "bulk")]
    try:
        if not args.skip_lastfm:
            print("Last.fm, transactional", flush=True)
            transactional(lastfm, rows[0], args.runs, warm_up=True)
            print("Last.fm, bulk", flush=True)
            bulk(lastfm, rows[1], args.runs)
        print("KuaiRec-shaped, transactional (a Last.fm warm-up load first: bulk runs restart the server)",
              flush=True)
        transactional(lastfm, Row("warm-up", "-"), 0, warm_up=True)
        transactional(kuairec, rows[2], args.big_runs, warm_up=False)
        print("KuaiRec-shaped, bulk", flush=True)
        bulk(kuairec, rows[3], args.big_runs)
    finally:
        runner.close()
    print()
    print(f"{'dataset':<22} {'path':<14} {'runs':>4} {'rels':>12} {'valid. s':>9} {'rels/s':>12} "
          f"{'end-to-end/s':>12} {'rels/srv-CPU-s':>14} {'load avg':>8}")
    for row in rows:
        print(row.line())
    for transactional_row, bulk_row in ((rows[0], rows[1]), (rows[2], rows[3])):
        if transactional_row.rate and bulk_row.rate:
            print(f"{bulk_row.dataset}: bulk / transactional = "
                  f"{statistics.median(bulk_row.rate) / statistics.median(transactional_row.rate):.1f}x "
                  f"(importer only vs relationship batches), "
                  f"{statistics.median(bulk_row.end_to_end) / statistics.median(transactional_row.end_to_end):.1f}x "
                  "(end to end vs write phase)")
    (workdir / "bench_load.json").write_text(json.dumps([vars(row) for row in rows], indent=1))


if __name__ == "__main__":
    main()
