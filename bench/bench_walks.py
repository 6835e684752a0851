"""Walk throughput benchmark (issue 5): every engine end to end, against raw-stream ceilings of the same run.

Run ``.venv/bin/python -m bench.bench_walks [--quick]``. It uses a private local server (``MP2V_HOME`` =
``.mp2v/bench-walks``, Bolt port 7695), starts it if needed and stops it at the end only if it started it. One
database holds one dataset, so the two graphs are bulk-loaded in turn (the one already loaded goes first):

* **lastfm**: Last.fm HetRec 2011 (``mp2v load lastfm`` machinery, bulk path), metapath
  ``User-LISTENED->Artist<-LISTENED-User``, 10 walks x 40 nodes from every user;
* **powerlaw**: a generated bipartite graph with Zipf-like item popularity (:mod:`bench.powerlaw_graph`,
  2.1 M interactions, top item degree about 100 k), loaded with ``loaders.csv_generic`` and the bulk path,
  metapath ``User-INTERACTED->Item<-INTERACTED-User``, 10 x 40 from every user.

Per dataset it prints:

* per engine, walk steps/s end to end: ``run_walks`` into a corpus file (metapath checks, node table, start
  nodes, projection or CSR export, walking, streaming, writing the file). Engines too slow for the whole graph
  (cypher always; gds on the power-law graph) run on a random sample of start nodes instead, timed from the
  first walk to the last line written, projection excluded (reported beside it);
* the projection / CSR export (+ CSR build) time;
* raw ceilings measured in the same run on the same projection and start nodes: the GDS walk query streamed
  and every record iterated and dropped (one walk per record: ``walks/gds_random_walk``; walks grouped per
  record: ``walks/gds_random_walk_batch``, what the gds engine streams), and a pure-transport ceiling (an
  ``UNWIND`` of integer lists of the same shape, no GDS compute), in both record shapes;
* the ratio of the default path (engine ``auto``) to each ceiling, and what ``auto`` chose and why;
* the peak resident memory (VmHWM) of a Python process running ``run_walks`` at two corpus sizes (5 and 20
  walks per node), one subprocess per measurement so that peaks do not mix;
* (not with ``--quick``) a degree sweep on synthetic regular bipartite graphs: GDS against the in-memory CSR
  engine per walk step as the degree of the item nodes grows, the measurement behind ``hub_degree_threshold``.

Figures are medians of 5 runs on Last.fm and 3 on the power-law graph (``--quick``: 1); the degree sweep,
the cypher samples and the memory peaks run once. The machine is shared and noisy: compare figures within
one run, not across runs. The parts: ``walk_setup`` (server, data, datasets), ``walk_engines`` (timed runs,
memory peaks), ``walk_ceilings`` (raw streams), ``walk_sweep`` (degree sweep), ``walk_report`` (the printout).
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from typing import Any

# The raw ceiling measures the driver's own transport rate, so it alone opens a driver beside the runner.
from neo4j import GraphDatabase

from bench import powerlaw_graph
from bench.walk_ceilings import Ceiling, ceiling_shapes, drain
from bench.walk_engines import (
    EngineResult,
    RunResult,
    engine_result,
    full_run,
    peak_memory,
    prepare,
    rss_child,
    sampled_walk,
)
from bench.walk_report import DatasetReport, machine, print_report, versions
from bench.walk_setup import (
    WALKS_PER_NODE,
    Dataset,
    bench_server,
    configure_environment,
    ensure_loaded,
    graph_facts,
    loaded_dataset,
    say,
    scratch,
    walk_config,
)
from bench.walk_sweep import SweepPoint, sweep
from mp2v.config import Settings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.walks.corpus import sidecar_path
from mp2v.walks.cypher_engine import CypherEngine
from mp2v.walks.gds_engine import GdsEngine
from mp2v.walks.run import run_walks

RSS_SIZES = (5, 20)


def measure_dataset(settings: Settings, dataset: Dataset, runs: int, quick: bool) -> DatasetReport:
    load = ensure_loaded(settings, dataset.name)
    say(f"== {dataset.name}: {load}")
    with QueryRunner(settings.neo4j) as runner:
        report = DatasetReport(dataset, graph_facts(runner, dataset), load)
        say(f"  graph: {report.graph}")
        corpus = scratch() / f"{dataset.name}-walks.txt"
        # Warm-up (JIT, page cache, GDS first-call costs): one small run per engine, not reported.
        warm = prepare(runner, dataset, 50)
        for engine, size in ((GdsEngine(runner), 20), (CypherEngine(runner), 2)):
            try:
                sampled_walk(engine, warm, warm.sample[:size], corpus)
            finally:
                engine.close()
        run_walks(runner, walk_config(dataset, "memory", 1), corpus, progress=False)

        # Every repetition measures the engines and the ceilings back to back, so that each ratio compares
        # figures taken a few seconds apart on this shared machine (its load drifts over minutes).
        prepared = prepare(runner, dataset, dataset.gds_sample)
        transport_walks = min(prepared.sources.size * WALKS_PER_NODE, 100_000)
        auto_runs: list[RunResult] = []
        other_runs: dict[str, list[RunResult]] = {"gds": [], "memory": []}
        gds_sampled: list[tuple[float, int]] = []
        report.ceilings = []
        sampler = GdsEngine(runner)  # holds the projection of the ceilings and of the sampled gds runs
        connection = runner.settings
        try:
            started = time.perf_counter()
            sampler.projection(prepared.task)
            sample_projection = {"projection": time.perf_counter() - started}
            shapes = ceiling_shapes(runner, sampler, prepared, transport_walks)
            ceiling_runs: dict[str, list[tuple[int, int, float]]] = {name: [] for name in shapes}
            with GraphDatabase.driver(connection.uri, auth=(connection.username, connection.password)) as driver:
                for repetition in range(runs):
                    auto_runs.append(full_run(runner, dataset, "auto", corpus))
                    chosen = auto_runs[0].engine
                    for engine_name in ("gds", "memory"):
                        if engine_name == "gds" and dataset.gds_sample is not None:
                            gds_sampled.append(sampled_walk(sampler, prepared, prepared.sample, corpus))
                        elif engine_name != chosen:
                            other_runs[engine_name].append(full_run(runner, dataset, engine_name, corpus))
                    for name, (text, params, grouped) in shapes.items():
                        ceiling_runs[name].append(drain(driver, connection.database, text, params, grouped))
                    say(f"  run {repetition + 1}/{runs}: auto -> {chosen} {auto_runs[-1].rate / 1e6:.2f} M steps/s; "
                        + "; ".join(f"{n.split(' (')[0]} {r[-1][1] / r[-1][2] / 1e6:.2f}"
                                    for n, r in ceiling_runs.items()))
        finally:
            sampler.close()
        chosen = auto_runs[0].engine
        report.engines.append(engine_result("auto", f"run_walks, all {auto_runs[0].steps:,} steps -> {chosen}",
                                            auto_runs))
        for engine_name in ("gds", "memory"):
            if engine_name == "gds" and dataset.gds_sample is not None:
                steps = gds_sampled[0][1]
                report.engines.append(EngineResult(
                    "gds", f"sample of {prepared.sample.size:,} start nodes, {steps:,} steps (projection excluded)",
                    steps, [rate for rate, _ in gds_sampled], [sample_projection]))
            elif engine_name == chosen:
                report.engines.append(engine_result(engine_name, "same runs as auto", auto_runs))
            else:
                results = other_runs[engine_name]
                report.engines.append(engine_result(engine_name, f"run_walks, all {results[0].steps:,} steps",
                                                    results))
        gds_rates = next(e.rates for e in report.engines if e.engine == "gds")
        for name, measured in ceiling_runs.items():
            rates = [steps / seconds for _, steps, seconds in measured]
            report.ceilings.append(Ceiling(name, measured[0][0], measured[0][1], rates,
                                           [a.rate / c for a, c in zip(auto_runs, rates, strict=True)],
                                           [g / c for g, c in zip(gds_rates, rates, strict=True)],
                                           [a.walk_rate / c for a, c in zip(auto_runs, rates, strict=True)]))

        cypher_sample = prepared.sources[:: max(1, prepared.sources.size // dataset.cypher_sample)][
            :dataset.cypher_sample]
        cypher = CypherEngine(runner)
        rate, steps = sampled_walk(cypher, prepared, cypher_sample, corpus)
        report.engines.append(EngineResult(
            "cypher", f"sample of {cypher_sample.size:,} start nodes, {steps:,} steps, 1 run", steps, [rate], []))
        say(f"  cypher: {rate / 1e6:.5f} M steps/s (sample)")
        corpus.unlink(missing_ok=True)
        sidecar_path(corpus).unlink(missing_ok=True)
    sizes = (2, 8) if quick else RSS_SIZES
    engines = ["auto"] + (["gds", "memory"] if dataset.gds_sample is None else [])
    for engine_name in engines:
        for walks_per_node in sizes:
            peak = peak_memory(dataset, engine_name, walks_per_node)
            report.peaks.append(peak)
            say(f"  peak RSS {engine_name}/{peak.chosen} at {walks_per_node} walks/node: {peak.peak_mib:.0f} MiB "
                f"({peak.steps:,} steps)")
    return report


DATASETS = {
    "lastfm": Dataset("lastfm", "User-LISTENED->Artist<-LISTENED-User", gds_sample=None, cypher_sample=200, runs=5),
    "powerlaw": Dataset("powerlaw", powerlaw_graph.METAPATH, gds_sample=1_000, cypher_sample=20),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Walk throughput benchmark (issue 5).")
    parser.add_argument("--quick", action="store_true", help="1 run per figure, smaller samples, no degree sweep")
    parser.add_argument("--only", choices=sorted(DATASETS), help="one dataset only")
    parser.add_argument("--no-sweep", action="store_true", help="skip the degree sweep")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    configure_environment()  # before any settings are read: the child process measures the same server
    if args.rss_child:
        rss_child(args.rss_child)
        return
    runs = 1
    settings = load_settings()
    meta: dict[str, Any] = {"date": datetime.date.today().isoformat(), "machine": machine(),
                            "runs": "1" if args.quick else ", ".join(f"{d.name} {d.runs}" for d in DATASETS.values()),
                            "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()), "versions": versions()}
    reports: list[DatasetReport] = []
    points: list[SweepPoint] = []
    with bench_server(settings) as settings:
        names = [args.only] if args.only else list(DATASETS)
        current = loaded_dataset(settings)
        names.sort(key=lambda n: n != current)  # the loaded dataset first: one bulk load less
        for name in names:
            dataset = DATASETS[name]
            if args.quick:
                dataset = Dataset(dataset.name, dataset.metapath,
                                  None if dataset.gds_sample is None else 300, min(dataset.cypher_sample, 50))
            reports.append(measure_dataset(settings, dataset, runs if args.quick else dataset.runs, args.quick))
        if not (args.quick or args.no_sweep):
            say("== degree sweep")
            with QueryRunner(settings.neo4j) as runner:
                points = sweep(runner, [10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000], 6.0)
    meta["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    reports.sort(key=lambda r: list(DATASETS).index(r.dataset.name))
    print_report(reports, points, meta)


if __name__ == "__main__":
    main()
