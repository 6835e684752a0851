"""A generated bipartite User-Item interaction graph with power-law (Zipf-like) item popularity.

Real catalogues are heavy-tailed: a few hit items hold a large share of all interactions, so a walk that
reaches an item lands on a hub most of the time. This module writes such a graph as a generic interactions
CSV (``user,item,weight``) that :mod:`loaders.csv_generic` loads with its defaults (labels ``User`` /
``Item``, type ``INTERACTED``), and loads it with the bulk path (``neo4j-admin database import``) into the
project's local server.

Generation is vectorised NumPy (about 1-2 s for 2 M interactions):

* item popularity ``p(rank r) ~ r ** -exponent`` (Zipf-like) mixed with a small uniform share (the long
  tail of items someone tried once: without it most of a 300 k catalogue is never drawn), ranks shuffled over
  the item ids so that popularity is not correlated with the id (or with the internal node id the importer
  assigns);
* user activity is log-normal (most users have a few interactions, some have hundreds), at least one each;
* every user draws that many items from the popularity law; repeated (user, item) draws become one
  interaction whose weight counts them, plus a geometric play count (weights are play-count-like integers);
* items no user drew are dropped (the loader only creates items seen in the interactions).

Run ``python -m bench.powerlaw_graph --out FILE`` to write the CSV and print its degree statistics;
``--load`` also bulk-loads it (replacing the database of ``MP2V_HOME`` / ``MP2V_BOLT_PORT``).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

DATASET = "powerlaw"
METAPATH = "User-INTERACTED->Item<-INTERACTED-User"


@dataclass(frozen=True)
class PowerLawSpec:
    users: int = 150_000
    items: int = 300_000
    #: Item draws before (user, item) repeats are merged; the graph keeps about 85 % as distinct edges.
    draws: int = 2_500_000
    #: Zipf exponent of item popularity (1.1: the top item is drawn by about 2/3 of all users).
    exponent: float = 1.1
    #: Share of draws uniform over the catalogue (the long tail).
    uniform_share: float = 0.1
    #: sigma of the log-normal user activity.
    activity_sigma: float = 1.0
    seed: int = 7


@dataclass(frozen=True)
class PowerLawGraph:
    users: npt.NDArray[np.int64]
    items: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]

    @property
    def edges(self) -> int:
        return int(self.users.size)

    def item_degrees(self) -> npt.NDArray[np.int64]:
        return np.bincount(self.items)

    def user_degrees(self) -> npt.NDArray[np.int64]:
        return np.bincount(self.users)

    def stats(self) -> dict[str, float]:
        items = self.item_degrees()
        items = items[items > 0]
        users = self.user_degrees()
        users = users[users > 0]
        ordered = np.sort(items)[::-1]
        top = max(1, ordered.size // 100)
        return {
            "edges": self.edges,
            "users": int(users.size),
            "items": int(items.size),
            "top_item_degree": int(ordered[0]),
            "top_10_item_degrees_sum": int(ordered[:10].sum()),
            "top_1pct_items_share": float(ordered[:top].sum() / ordered.sum()),
            "top_item_share": float(ordered[0] / ordered.sum()),
            # The degree a walker meets on average when it steps onto an item (edges pick items by degree).
            "degree_biased_mean_item_degree": float((items.astype(np.float64) ** 2).sum() / items.sum()),
            "max_user_degree": int(users.max()),
            "mean_user_degree": float(users.mean()),
        }


def generate(spec: PowerLawSpec = PowerLawSpec()) -> PowerLawGraph:
    """Draw the interactions (deterministic for ``spec.seed``)."""
    rng = np.random.default_rng(spec.seed)
    zipf = np.arange(1, spec.items + 1, dtype=np.float64) ** -spec.exponent
    popularity = (1 - spec.uniform_share) * zipf / zipf.sum() + spec.uniform_share / spec.items
    cumulative = np.cumsum(popularity)
    cumulative /= cumulative[-1]
    item_of_rank = rng.permutation(spec.items)
    activity = rng.lognormal(mean=0.0, sigma=spec.activity_sigma, size=spec.users)
    counts = np.maximum(1, np.round(activity / activity.sum() * spec.draws)).astype(np.int64)
    users = np.repeat(np.arange(spec.users, dtype=np.int64), counts)
    ranks = np.minimum(np.searchsorted(cumulative, rng.random(users.size), side="right"), spec.items - 1)
    items = item_of_rank[ranks].astype(np.int64)
    keys, repeats = np.unique(users * spec.items + items, return_counts=True)
    plays = repeats + rng.geometric(0.3, size=keys.size) - 1
    return PowerLawGraph(users=keys // spec.items, items=keys % spec.items, weights=plays.astype(np.float64))


def write_csv(graph: PowerLawGraph, path: Path) -> Path:
    """``user,item,weight`` with ids offset so that users and items read as different entities (u1.., i1..)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"user": graph.users + 1, "item": graph.items + 1, "weight": graph.weights})
    with open(path, "wb") as sink:
        sink.write(b"user,item,weight\n")
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return path


def load(path: Path, *, progress: bool = False) -> dict[str, float]:
    """Bulk-load the CSV into the local server of the current settings (replaces its database).

    ``csv_generic`` defaults give ``(:User)-[:INTERACTED {weight, raw, count}]->(:Item)``; the weight is
    ``log1p(plays)`` as for Last.fm. Returns the loader's timings.
    """
    from loaders import LoadOptions, rejects_folder, run_load
    from loaders.csv_generic import CsvConfig, build_plan
    from mp2v.config import load_settings
    from mp2v.db.runner import QueryRunner

    settings = load_settings()
    config = CsvConfig(interactions=path, dataset=DATASET, weight_transform="log1p")
    started = time.perf_counter()
    with QueryRunner(settings.neo4j) as runner:
        result = run_load(lambda v: build_plan(config, v), runner,
                          LoadOptions(bulk=True, force=True, progress=progress),
                          rejects_dir=rejects_folder(settings.paths.home, DATASET), server=settings.server)
    bulk = result.bulk
    assert bulk is not None
    return {"seconds": time.perf_counter() - started, "validate_seconds": result.validate_seconds,
            "import_seconds": bulk.import_seconds, "relationships": bulk.relationships, "nodes": bulk.nodes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    defaults = PowerLawSpec()
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--items", type=int, default=defaults.items)
    parser.add_argument("--draws", type=int, default=defaults.draws)
    parser.add_argument("--exponent", type=float, default=defaults.exponent)
    parser.add_argument("--uniform-share", type=float, default=defaults.uniform_share)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--load", action="store_true", help="bulk-load into the local server (replaces its data)")
    args = parser.parse_args()
    spec = PowerLawSpec(users=args.users, items=args.items, draws=args.draws, exponent=args.exponent,
                        uniform_share=args.uniform_share, seed=args.seed)
    started = time.perf_counter()
    graph = generate(spec)
    generated = time.perf_counter() - started
    write_csv(graph, args.out)
    print(f"generated in {generated:.1f} s, written in {time.perf_counter() - started - generated:.1f} s: {args.out}")
    for key, value in graph.stats().items():
        print(f"  {key}: {value:,.3f}" if isinstance(value, float) else f"  {key}: {value:,}")
    if args.load:
        print("  loaded:", load(args.out, progress=True))


if __name__ == "__main__":
    main()
