"""The bulk path: ``neo4j-admin database import full`` for large first loads into the local server.

Steps: refuse unless the runner talks to the project's own local server and its database is empty (or
``force``); write the plan as importer CSV files (``id:ID(User)``, ``:START_ID(User)``, typed properties
such as ``weight:double``); stop the server; run ``org.neo4j.cli.AdminTool database import full`` from the
server's own jars with ``--overwrite-destination``; start the server; create the constraints and write the
:Dataset node. The importer builds the store files directly (no transactions), which is why it needs the
database stopped and replaces whatever was in it.

Properties are typed ``double`` (not the importer's 32-bit ``float``) so the bulk graph equals the one the
transactional path writes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from loaders.plan import GraphPlan
from loaders.schema import ensure_constraints, stored_model
from mp2v.config import ServerSettings
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, ServerError
from mp2v.graph.model import write_model
from mp2v.ops.jars import ensure_jars
from mp2v.ops.server import ADMIN_CLASS, JVM_FLAGS, LocalServer

_IMPORTED = re.compile(r"Imported:\s+([\d,]+) nodes\s+([\d,]+) relationships")
_IMPORTER_TYPES = {"i": "long", "u": "long", "f": "double", "b": "boolean"}


@dataclass(frozen=True)
class BulkResult:
    nodes: int
    relationships: int
    files_seconds: float
    stop_seconds: float
    import_seconds: float
    start_seconds: float
    schema_seconds: float
    report_file: Path

    @property
    def seconds(self) -> float:
        """End to end: importer files, stop, import, start, constraints."""
        return (self.files_seconds + self.stop_seconds + self.import_seconds + self.start_seconds
                + self.schema_seconds)

    @property
    def import_rate(self) -> float:
        """Relationships per second of the importer run alone."""
        return self.relationships / self.import_seconds if self.import_seconds else float("inf")

    @property
    def end_to_end_rate(self) -> float:
        return self.relationships / self.seconds if self.seconds else float("inf")


def preflight(runner: QueryRunner, server: ServerSettings, *, force: bool) -> None:
    """Refuse a remote server, or a non-empty database without ``force`` (before any file is read)."""
    if not runner.settings.local or runner.settings.uri != server.uri:
        raise ConfigError(
            f"--bulk writes the store files of the project's local server directly; the loader is connected to "
            f"{runner.settings.uri} (NEO4J_URI). Unset NEO4J_URI to use the local server, or load without --bulk"
        )
    local = LocalServer(server)
    if local.pid() is None:
        if not (server.home / "data" / "databases" / runner.settings.database).exists():
            return  # never started: nothing to lose
        local.start()
    nodes = int(runner.read("load/count_nodes")[0]["nodes"])
    if nodes == 0 or force:
        return
    relationships = int(runner.read("load/count_relationships")[0]["relationships"])
    model = stored_model(runner)
    holds = f"dataset {model.dataset!r}, " if model else ""
    raise ConfigError(
        f"the database at {runner.settings.uri} is not empty ({holds}{nodes:,} nodes, {relationships:,} "
        f"relationships) and --bulk replaces the whole database: pass --force to replace it (all of them will "
        f"be lost), or load without --bulk to add to what is there"
    )


def bulk_load(plan: GraphPlan, runner: QueryRunner, server: ServerSettings, *, force: bool = False,
              progress: bool = True) -> BulkResult:
    """Import ``plan`` into the local server's (empty, or ``force``-replaced) database."""
    preflight(runner, server, force=force)
    local = LocalServer(server)
    staging = server.home / "import" / f"bulk-{plan.model.dataset}"
    say = _reporter(progress)

    started = time.perf_counter()
    arguments = write_import_files(plan, staging)
    files_seconds = time.perf_counter() - started
    say(f"bulk: importer files written to {staging} in {files_seconds:.1f} s")

    started = time.perf_counter()
    local.stop()
    stop_seconds = time.perf_counter() - started
    report = staging / "import.report"
    try:
        started = time.perf_counter()
        imported = run_importer(server, runner.settings.database, arguments, report, plan.id_type)
        import_seconds = time.perf_counter() - started
        if imported != (plan.node_count, plan.relationship_count):
            raise ServerError(f"neo4j-admin imported {imported[0]:,} nodes and {imported[1]:,} relationships, the "
                              f"plan has {plan.node_count:,} and {plan.relationship_count:,}; see {report}")
        say(f"bulk: neo4j-admin import of {plan.relationship_count:,} relationships in {import_seconds:.1f} s")
    finally:
        # Started again even when it was stopped before: the constraints and :Dataset node need it.
        started = time.perf_counter()
        local.start()
        start_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ensure_constraints(runner, plan.model)
    write_model(runner, plan.model)
    schema_seconds = time.perf_counter() - started
    _verify_counts(runner, plan, report)
    return BulkResult(plan.node_count, plan.relationship_count, files_seconds, stop_seconds, import_seconds,
                      start_seconds, schema_seconds, report)


def write_import_files(plan: GraphPlan, staging: Path) -> list[str]:
    """One CSV per node label / relationship type with the importer's header; returns the CLI arguments."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    arguments = []
    for nodes in plan.nodes:
        path = staging / f"nodes-{nodes.label}.csv"
        header = [f"id:ID({nodes.label})"] + [_typed(c, nodes.frame[c]) for c in nodes.properties]
        _write_csv(path, header, nodes.frame)
        arguments.append(f"--nodes={nodes.label}={path}")
    for rels in plan.relationships:
        path = staging / f"relationships-{rels.type}-{rels.start_label}-{rels.end_label}.csv"
        header = [f":START_ID({rels.start_label})", f":END_ID({rels.end_label})"]
        header += [_typed(c, rels.frame[c]) for c in rels.properties]
        _write_csv(path, header, rels.frame)
        arguments.append(f"--relationships={rels.type}={path}")
    return arguments


def _typed(column: str, series: pd.Series) -> str:
    kind = series.dtype.kind if series.dtype != object else "O"
    return f"{column}:{_IMPORTER_TYPES.get(kind, 'string')}"


def _write_csv(path: Path, header: list[str], frame: pd.DataFrame) -> None:
    # pyarrow writes millions of rows per second; nulls become empty fields (= property not set).
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    with open(path, "wb") as sink:
        sink.write((",".join(header) + "\n").encode("utf-8"))
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False,
                                                                       quoting_style="needed"))


def run_importer(server: ServerSettings, database: str, arguments: list[str], report: Path,
                 id_type: str) -> tuple[int, int]:
    """Run ``database import full`` (the server must be stopped); returns the imported (nodes, relationships)."""
    jars = ensure_jars(server)
    command = [
        "java", f"-Xmx{server.heap}", *JVM_FLAGS, "-cp", f"{jars.lib}/*", ADMIN_CLASS,
        "database", "import", "full", database, "--overwrite-destination=true", f"--id-type={id_type}",
        # Rows were validated already; any bad entry now means a bug in the loader, so fail loudly.
        "--bad-tolerance=0", "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
        f"--report-file={report}", *arguments,
    ]
    env = {**os.environ, "NEO4J_HOME": str(server.home), "NEO4J_CONF": str(server.home / "conf")}
    log = report.with_name("import.log")
    with open(log, "w") as output:
        completed = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ServerError(f"neo4j-admin database import failed (exit {completed.returncode}); the database may be "
                          f"empty now: re-run the load. Log {log}, report {report}:\n{tail}")
    counts = _IMPORTED.search(log.read_text(errors="replace"))
    if counts is None:
        raise ServerError(f"neo4j-admin database import printed no 'Imported:' summary; see {log}")
    return int(counts.group(1).replace(",", "")), int(counts.group(2).replace(",", ""))


def _verify_counts(runner: QueryRunner, plan: GraphPlan, report: Path) -> None:
    nodes = int(runner.read("load/count_nodes")[0]["nodes"])
    relationships = int(runner.read("load/count_relationships")[0]["relationships"])
    if nodes != plan.node_count + 1 or relationships != plan.relationship_count:  # +1: the :Dataset node
        raise ServerError(
            f"the import wrote {nodes - 1:,} nodes and {relationships:,} relationships, the plan has "
            f"{plan.node_count:,} and {plan.relationship_count:,}; see {report}"
        )


def _reporter(progress: bool) -> Callable[[str], None]:
    def say(message: str) -> None:
        if progress:
            print(message, file=sys.stderr, flush=True)
    return say
