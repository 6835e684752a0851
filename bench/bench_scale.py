"""The scale study: generate -> load -> split -> walk -> train -> evaluate -> serve at growing sizes.

One command, resumable: every finished (size, stage) is checkpointed in ``<workdir>/checkpoint.json`` and
skipped on the next run; a stage that needs the graph of a size that a later size replaced reloads it first
(not measured). It WIPES the database of the local server it uses (bulk load with ``--force``), so it runs
only against the project's local server, and only with ``--wipe``::

    MP2V_HOME=.mp2v/scale MP2V_BOLT_PORT=7814 MP2V_HEAP=2g MP2V_PAGECACHE=1g \\
        python -m bench.bench_scale --wipe --sizes 100000 1000000 10000000

Then ``results/scale.md`` / ``.json`` / ``.png`` are rewritten from the checkpoint (``--report-only`` redoes
just that). Per stage: wall time, throughput, peak RSS of this process and of the Neo4j JVM, disk; per stage
the log-log growth exponent over the sizes done. ``--serving-load SIZE [SIZE ...]`` adds the concurrent-client
serving table on each of those sizes (bench/scale_load.py), run right after that size's stages while its graph
is still loaded (checkpointed per size under ``serving_load``).
"""

from __future__ import annotations

import argparse
import fcntl
import sys
import time
from pathlib import Path
from typing import Any

from bench import scale_stages
from bench.scale_probe import measured
from bench.scale_report import write_report
from mp2v.common.files import read_json, write_json
from mp2v.config import Settings, load_settings
from mp2v.errors import Mp2vError
from mp2v.ops.server import LocalServer, start_local
from mp2v.types import Trainer

DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
RESULTS = Path(__file__).resolve().parents[1] / "results"


class Checkpoint:
    """``{size: {stage: figures}}`` in a JSON file, rewritten atomically after every stage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, Any]] = read_json(path, "scale checkpoint") if path.is_file() else {}

    def done(self, size: int, stage: str) -> dict[str, Any] | None:
        return self.data.get(str(size), {}).get(stage)

    def record(self, size: int, stage: str, figures: dict[str, Any]) -> None:
        self.data.setdefault(str(size), {})[stage] = figures
        write_json(self.path, self.data)


def run_size(size: int, workdir: Path, settings: Settings, checkpoint: Checkpoint,
             trainer: Trainer = Trainer.GENSIM) -> None:
    from mp2v.db.check import connect

    ctx = scale_stages.SizeContext(size, workdir / f"size-{size}", settings, trainer=trainer)
    server = LocalServer(settings.server)
    previous = checkpoint.done(size, "train")
    if previous:
        ctx.extra["run_id"] = previous.get("run_id")
    for stage, action in scale_stages.STAGES.items():
        if checkpoint.done(size, stage):
            continue
        settings, _ = start_local(settings)
        ctx.settings = settings
        with connect(settings.neo4j) as runner:
            if stage in scale_stages.NEEDS_GRAPH and not scale_stages.ensure_loaded(ctx, runner):
                print(f"[{size:,}] reloading the catalogue (a later size replaced it)", flush=True)
                scale_stages.stage_load(ctx, runner)
        settings, _ = start_local(settings)
        print(f"[{size:,}] {stage} ...", flush=True)
        with connect(settings.neo4j) as runner, measured(server.pid) as measurement:
            figures = action(ctx, runner)
        measurement.extra.update(figures)
        checkpoint.record(size, stage, measurement.as_dict())
        shown = {k: v for k, v in measurement.as_dict().items() if not isinstance(v, dict)}
        print(f"[{size:,}] {stage}: {shown}", flush=True)


def serving_sizes(sizes: list[int], serving: list[int] | None) -> list[int]:
    """The ``--serving-load`` sizes, checked against ``--sizes``; ValueError names the ones not studied."""
    wanted = sorted(set(serving or []))
    missing = [size for size in wanted if size not in sizes]
    if missing:
        raise ValueError(f"--serving-load {' '.join(map(str, missing))}: not among --sizes "
                         f"{' '.join(map(str, sizes))}; add it to --sizes or drop it")
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="interactions per size")
    parser.add_argument("--workdir", type=Path, default=None, help="default: <MP2V_HOME>/scale")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for scale.md / .json / .png")
    parser.add_argument("--wipe", action="store_true", help="confirm that the local database may be replaced")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the results from the checkpoint")
    parser.add_argument("--serving-load", type=int, nargs="+", default=[], metavar="SIZE",
                        help="concurrent-client serving on each SIZE (each among --sizes), after its stages")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="seconds per client count")
    parser.add_argument("--trainer", type=Trainer, default=Trainer.GENSIM, choices=list(Trainer),
                        help="skip-gram trainer of the train stage (a new --workdir per trainer: stages resume)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        workdir = args.workdir or settings.paths.home / "scale"
        checkpoint = Checkpoint(workdir / "checkpoint.json")
        workdir.mkdir(parents=True, exist_ok=True)
        with (workdir / "study.lock").open("w") as lock:
            try:  # two studies on one server would replace each other's database
                if not args.report_only:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"error: another scale study is running in {workdir}; wait for it or stop it", file=sys.stderr)
                return 1
            return _study(args, parser, settings, workdir, checkpoint)
    except Mp2vError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _study(args: argparse.Namespace, parser: argparse.ArgumentParser, settings: Settings, workdir: Path,
           checkpoint: Checkpoint) -> int:
    """The sizes, the serving load and the report, under the study's lock."""
    if not args.report_only:
        try:
            serving = serving_sizes(args.sizes, args.serving_load)
        except ValueError as error:
            parser.error(str(error))
        if not args.wipe or not settings.neo4j.local:
            parser.error("the study replaces the database: pass --wipe, and use the local server (no NEO4J_URI)")
        for size in sorted(args.sizes):
            started = time.monotonic()
            run_size(size, workdir, settings, checkpoint, args.trainer)
            print(f"[{size:,}] done in {time.monotonic() - started:,.0f} s", flush=True)
            if size in serving:  # while this size's graph is loaded: no reload before the clients
                from bench.scale_load import run_serving_load
                run_serving_load(size, workdir, settings, checkpoint, seconds=args.load_seconds)
    paths = write_report(checkpoint.data, args.results)
    print("wrote", ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
