"""Walks computed by ``gds.randomWalk`` on a metapath projection, streamed out over Bolt in batches.

Each Bolt record carries the walks of a group of start nodes (one ``gds.randomWalk`` call per group, inside
one query per ``source_batch_size`` start nodes), not one walk: the Python driver spends about 20 us per
record whatever its size, which capped one-walk-per-record streaming at 1-2.5 M steps/s (docs/walks.md).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.walks.base import WalkBatch
from mp2v.walks.config import WalkTask
from mp2v.walks.projection import Projection, project


class GdsEngine:
    """Projects once per metapath, walks sources in chunks, drops the projection on close or error."""

    name = "gds"

    def __init__(self, runner: QueryRunner, *, force_layered: bool = False, stream_batch: int = 5_000) -> None:
        self.runner = runner
        self.force_layered = force_layered
        #: Walks per Bolt record (and per yielded batch), at most: start nodes are grouped to fit. Below
        #: ``walks_per_node`` each walk travels in its own record (the old, slow shape).
        self.stream_batch = stream_batch
        self._projections: dict[str, Projection] = {}
        #: Seconds spent projecting, per metapath (reported by the run summary and the benchmark).
        self.projection_seconds: dict[str, float] = {}

    def projection(self, task: WalkTask) -> Projection:
        key = f"{task.metapath} excluding {task.exclude_holdout.property}={list(task.exclude_holdout.values)}"
        if key not in self._projections:
            self._projections[key] = project(self.runner, task.metapath, force_layered=self.force_layered,
                                             excluded=task.exclude_holdout)
            self.projection_seconds[key] = self._projections[key].seconds
        return self._projections[key]

    def walk(self, task: WalkTask, sources: npt.NDArray[np.int64]) -> Generator[WalkBatch, None, None]:
        graph = self.projection(task)
        config: dict[str, Any] = {
            "walkLength": task.walk_length,
            "walksPerNode": task.walks_per_node,
            "concurrency": task.concurrency,
        }
        if task.weighted and graph.has_weights:
            config["relationshipWeightProperty"] = "weight"
        if task.walks_per_node > self.stream_batch:
            # One start node's walks already exceed a record's budget: one walk per record (the slow shape).
            yield from self._walk_per_record(task, sources, graph, config)
            return
        per_group = max(1, min(task.source_batch_size, self.stream_batch // task.walks_per_node))
        group_index = 0
        for start in range(0, sources.size, task.source_batch_size):
            chunk = graph.to_projected(sources[start:start + task.source_batch_size])
            groups = [chunk[g:g + per_group].tolist() for g in range(0, chunk.size, per_group)]
            # One seed per group: a run is reproducible for a seed at concurrency 1.
            seeds = list(range(task.seed + group_index, task.seed + group_index + len(groups)))
            group_index += len(groups)
            params = {"graph_name": graph.name, "config": config, "groups": groups, "seeds": seeds}
            for records in self.runner.stream("walks/gds_random_walk_batch", params, batch_size=1):
                while records:
                    (walks,) = records.pop()
                    batch = WalkBatch.from_rows(walks)
                    del walks  # the decoded Python lists go before the batch is handed on
                    yield WalkBatch(nodes=graph.from_projected(batch.nodes), lengths=batch.lengths)

    def _walk_per_record(self, task: WalkTask, sources: npt.NDArray[np.int64], graph: Projection,
                         config: dict[str, Any]) -> Generator[WalkBatch, None, None]:
        for chunk_index, start in enumerate(range(0, sources.size, task.source_batch_size)):
            chunk = sources[start:start + task.source_batch_size]
            chunk_config = {**config, "sourceNodes": graph.to_projected(chunk).tolist(),
                            "randomSeed": task.seed + chunk_index}
            for rows in self.runner.stream("walks/gds_random_walk", {"graph_name": graph.name, "config": chunk_config},
                                           batch_size=self.stream_batch):
                batch = WalkBatch.from_rows([row[0] for row in rows])
                yield WalkBatch(nodes=graph.from_projected(batch.nodes), lengths=batch.lengths)

    def close(self) -> None:
        projections, self._projections = self._projections, {}
        for graph in projections.values():
            graph.drop()
