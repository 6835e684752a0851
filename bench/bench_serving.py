"""Serving latency: `mp2v recommend` / `mp2v similar` answered by Neo4j's vector index (median of 100 queries).

Run ``python -m bench.bench_serving``: it brings up the demo state first (server, Last.fm, trained and served
runs; reused when present), then times queries through the same Server class the CLI uses.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mp2v.config import load_settings
from mp2v.db.check import connect
from mp2v.embeddings.store import RunStore
from mp2v.experiments.demo import run_demo
from mp2v.graph.model import read_model
from mp2v.serving.vector_index import Server, served_runs


def _percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    return (f"median {np.median(ms):6.1f} ms   p90 {np.percentile(ms, 90):6.1f} ms   "
            f"min {ms.min():5.1f} ms   max {ms.max():6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    settings = load_settings()
    demo = run_demo(settings, progress=False)
    with connect(demo.settings.neo4j) as runner:
        model = read_model(runner)
        rng = np.random.default_rng(0)
        for slot in sorted(served_runs(runner)):
            server = Server(runner, model, slot)
            embeddings = RunStore(settings.paths.runs).load(server.record["run_id"]).embeddings
            users = rng.choice(embeddings.user_ids, size=args.queries, replace=True).tolist()
            items = rng.choice(embeddings.item_ids, size=args.queries, replace=True).tolist()
            server.recommend(users[0], args.k)  # warm the query plan and the page cache
            recommend, similar = [], []
            for user, item in zip(users, items, strict=True):
                started = time.perf_counter()
                rows = server.recommend(user, args.k, exclude_seen=True)
                recommend.append(time.perf_counter() - started)
                assert len(rows) == args.k and all(r.name for r in rows)
                started = time.perf_counter()
                server.similar(item, args.k)
                similar.append(time.perf_counter() - started)
            print(f"{slot:<10} recommend k={args.k} exclude-seen: {_percentiles(recommend)}")
            print(f"{slot:<10} similar   k={args.k}:              {_percentiles(similar)}")
            median_ms = statistics.median(recommend) * 1000
            print(f"           ({args.queries} queries each; median recommend {median_ms:.1f} ms vs the 100 ms goal)")


if __name__ == "__main__":
    main()
