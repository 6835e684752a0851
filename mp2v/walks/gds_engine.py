"""Walks computed by ``gds.randomWalk`` on a metapath projection, streamed out over Bolt in batches."""

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
        self.stream_batch = stream_batch
        self._projections: dict[str, Projection] = {}
        #: Seconds spent projecting, per metapath (reported by the run summary and the benchmark).
        self.projection_seconds: dict[str, float] = {}

    def projection(self, task: WalkTask) -> Projection:
        key = f"{task.metapath} excluding {task.exclude_holdout}"
        if key not in self._projections:
            self._projections[key] = project(self.runner, task.metapath, force_layered=self.force_layered,
                                             excluded=task.exclude_holdout)
            self.projection_seconds[key] = self._projections[key].seconds
        return self._projections[key]

    def walk(self, task: WalkTask, sources: npt.NDArray[np.int64]) -> Generator[WalkBatch, None, None]:
        graph = self.projection(task)
        for chunk_index, start in enumerate(range(0, sources.size, task.source_batch_size)):
            chunk = sources[start:start + task.source_batch_size]
            config: dict[str, Any] = {
                "sourceNodes": graph.to_projected(chunk).tolist(),
                "walkLength": task.walk_length,
                "walksPerNode": task.walks_per_node,
                "randomSeed": task.seed + chunk_index,
                "concurrency": task.concurrency,
            }
            if task.weighted and graph.has_weights:
                config["relationshipWeightProperty"] = "weight"
            for rows in self.runner.stream("walks/gds_random_walk", {"graph_name": graph.name, "config": config},
                                           batch_size=self.stream_batch):
                batch = WalkBatch.from_rows([row[0] for row in rows])
                yield WalkBatch(nodes=graph.from_projected(batch.nodes), lengths=batch.lengths)

    def close(self) -> None:
        projections, self._projections = self._projections, {}
        for graph in projections.values():
            graph.drop()
