"""Pure-Cypher walks: no GDS needed. One query per step moves every active walker of a batch.

The cross-check for the GDS engine and the fallback where GDS is absent. The weighted choice happens in
Cypher (a running sum over the neighbour list until it passes ``u * total``); the uniform numbers ``u`` come
from a seeded NumPy generator, so a run is reproducible, and neighbours are ordered by internal id as in the
in-memory engine, so both engines take the same step for the same ``u``.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.walks.base import WalkBatch
from mp2v.walks.config import WalkTask


class CypherEngine:
    name = "cypher"

    def __init__(self, runner: QueryRunner, *, walkers_per_chunk: int = 20_000) -> None:
        self.runner = runner
        self.walkers_per_chunk = walkers_per_chunk

    def walk(self, task: WalkTask, sources: npt.NDArray[np.int64]) -> Generator[WalkBatch, None, None]:
        per_chunk = max(1, self.walkers_per_chunk // task.walks_per_node)
        for chunk_index, start in enumerate(range(0, sources.size, per_chunk)):
            rng = np.random.default_rng([task.seed, chunk_index])
            starts = np.repeat(sources[start:start + per_chunk], task.walks_per_node)
            yield self._walk_chunk(task, starts, rng)

    def _walk_chunk(self, task: WalkTask, starts: npt.NDArray[np.int64], rng: np.random.Generator) -> WalkBatch:
        walkers = starts.size
        paths = np.empty((walkers, task.walk_length), dtype=np.int64)
        paths[:, 0] = starts
        lengths = np.ones(walkers, dtype=np.int64)
        active = np.arange(walkers)
        for step in range(1, task.walk_length):
            hop = task.metapath.hop_at(step - 1)
            uniforms = rng.random(active.size)
            current = paths[active, step - 1]
            nodes, group_of = np.unique(current, return_inverse=True)
            order = np.argsort(group_of, kind="stable")
            splits = np.cumsum(np.bincount(group_of))[:-1]
            groups = [
                {"node": int(node), "walkers": walkers.tolist(), "uniforms": draws.tolist()}
                for node, walkers, draws in zip(
                    nodes, np.split(active[order], splits), np.split(uniforms[order], splits), strict=True)
            ]
            query = f"walks/cypher_step_{hop.direction.lower()}"
            identifiers = {"Source": hop.source, "Type": hop.rel_type, "Target": hop.target}
            params = {"groups": groups, "weighted": task.weighted, **task.exclude_holdout.params()}
            moved = self.runner.read(query, params, identifiers=identifiers)
            if not moved:
                break
            walker_ids = np.fromiter((row["walker"] for row in moved), dtype=np.int64, count=len(moved))
            paths[walker_ids, step] = np.fromiter((row["next"] for row in moved), dtype=np.int64, count=len(moved))
            lengths[walker_ids] += 1
            active = np.sort(walker_ids)
        mask = np.arange(task.walk_length)[None, :] < lengths[:, None]
        return WalkBatch(nodes=paths[mask], lengths=lengths)

    def close(self) -> None:
        pass
