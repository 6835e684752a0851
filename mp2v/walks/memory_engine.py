"""In-memory walks over a CSR export of the metapath's relationships (NumPy, vectorised over walkers).

Each step costs one binary search per walker (weighted) or one multiplication (uniform), whatever the
degree of the node: hubs with hundreds of thousands of neighbours cost no more than leaves. The relationships
come from Neo4j once per (source label, type, target label) and are shared by every hop and metapath.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.graph.metapath import Hop
from mp2v.walks.base import WalkBatch
from mp2v.walks.config import HoldoutExclusion, WalkTask
from mp2v.walks.csr import EdgeArrays, HopCsr, export_edges, export_pair, hop_csr
from mp2v.walks.nodes import NodeTable


class MemoryEngine:
    name = "memory"
    #: Walkers moved together: 100-200 k measured fastest (sorted binary searches need dense keys; 10 k was
    #: 4x slower), and one chunk bounds the engine's working memory whatever the corpus size.
    DEFAULT_WALKERS_PER_CHUNK = 200_000
    #: Steps per batch handed to the corpus writer (slices of a chunk).
    STEPS_PER_BATCH = 250_000

    def __init__(self, runner: QueryRunner, nodes: NodeTable, *,
                 walkers_per_chunk: int = DEFAULT_WALKERS_PER_CHUNK) -> None:
        self.runner = runner
        self.nodes = nodes
        self.walkers_per_chunk = walkers_per_chunk
        self._edges: dict[tuple[str, str, str, HoldoutExclusion], EdgeArrays] = {}
        self._csrs: dict[tuple[Hop, HoldoutExclusion], HopCsr] = {}
        #: Seconds spent reading relationships from Neo4j, and building the hop CSRs from them.
        self.export_seconds = 0.0
        self.csr_seconds = 0.0

    def csr(self, hop: Hop, excluded: HoldoutExclusion = HoldoutExclusion()) -> HopCsr:
        if (hop, excluded) not in self._csrs:
            key = (*export_pair(hop), excluded)
            if key not in self._edges:
                started = time.monotonic()
                self._edges[key] = export_edges(self.runner, *export_pair(hop), excluded)
                self.export_seconds += time.monotonic() - started
            started = time.monotonic()
            self._csrs[hop, excluded] = hop_csr(self.nodes, hop, self._edges[key])
            self.csr_seconds += time.monotonic() - started
        return self._csrs[hop, excluded]

    def walk(self, task: WalkTask, sources: npt.NDArray[np.int64]) -> Generator[WalkBatch, None, None]:
        hops = [self.csr(hop, task.exclude_holdout) for hop in task.metapath.hops]
        source_rows = self.nodes.positions(sources)
        per_chunk = max(1, self.walkers_per_chunk // task.walks_per_node)
        per_batch = max(1, self.STEPS_PER_BATCH // task.walk_length)
        for chunk_index, start in enumerate(range(0, source_rows.size, per_chunk)):
            rng = np.random.default_rng([task.seed, chunk_index])
            starts = np.repeat(source_rows[start:start + per_chunk], task.walks_per_node)
            paths, lengths = walk_matrix(hops, starts, task.walk_length, task.weighted, rng, len(self.nodes),
                                         task.return_weight)
            # The chunk is walked at once (fast) but handed on in slices, so that the id arrays and corpus
            # lines built from it stay small: the engine holds one walk matrix plus one slice. (Walking the
            # next chunk in a thread while this one is written measured 10 % slower on the 2-core machine.)
            for first in range(0, lengths.size, per_batch):
                yield matrix_batch(paths[first:first + per_batch], lengths[first:first + per_batch],
                                   self.nodes.internal_ids)

    def close(self) -> None:
        self._csrs.clear()
        self._edges.clear()


#: Redraws of a step back that ``return_weight`` turned down before the step back is kept, so that a walker
#: whose ways on nearly all lead back (one edge holding almost all the weight) still moves. At return weight 0
#: a way back holding a share p of the weight survives every redraw with probability p^16 (5e-4 at p = 5/8).
MAX_REDRAWS = 16


def walk_matrix(hops: list[HopCsr], starts: npt.NDArray[np.int64], walk_length: int, weighted: bool,
                rng: np.random.Generator, rows: int,
                return_weight: float = 1.0) -> tuple[npt.NDArray[np.integer], npt.NDArray[np.int64]]:
    """Walk every start row at once; hop ``i mod len(hops)`` at step ``i``; dead ends stop a walk.

    ``return_weight`` r < 1 scales the weight of the step back to the node two steps before (node2vec's 1/p):
    such a step is kept with probability r and otherwise drawn again (rejection sampling, so every other
    neighbour keeps its relative weight). Returns the walk matrix (node rows; int32 when ``rows`` allows, half
    the memory) and the walk lengths; entries past a walk's length are undefined.
    """
    walkers = starts.size
    paths = np.empty((walkers, walk_length), dtype=np.int32 if rows < 2**31 else np.int64)
    paths[:, 0] = starts
    lengths = np.ones(walkers, dtype=np.int64)
    active = np.arange(walkers)
    current = starts.copy()
    for step in range(1, walk_length):
        csr = hops[(step - 1) % len(hops)]
        # One draw per walker still going, before dead ends drop out: the Cypher engine draws the same way,
        # so both engines take identical steps for a seed.
        uniforms = rng.random(active.size)
        can_move = csr.positive_rows(current, weighted)
        active, current, uniforms = active[can_move], current[can_move], uniforms[can_move]
        if active.size == 0:
            break
        came_from = current
        current = csr.step(came_from, uniforms, weighted)
        if return_weight < 1.0 and step >= 2:
            current = _fewer_returns(csr, came_from, current, paths[active, step - 2], weighted, rng,
                                     return_weight)
        paths[active, step] = current
        lengths[active] += 1
    return paths, lengths


def _fewer_returns(csr: HopCsr, came_from: npt.NDArray[np.int64], picked: npt.NDArray[np.int64],
                   before: npt.NDArray[np.integer], weighted: bool, rng: np.random.Generator,
                   return_weight: float) -> npt.NDArray[np.int64]:
    """``picked`` with each step back to ``before`` kept with probability ``return_weight`` and otherwise drawn
    again from ``came_from``, up to :data:`MAX_REDRAWS` times (nodes with one way on keep it at once)."""
    picked = picked.copy()
    # Written by hand: GDS's node2vec takes a return factor but no metapath, and its walks run in the server.
    redraw = np.flatnonzero((picked == before) & (csr.row_degree[came_from] > 1))
    for _ in range(MAX_REDRAWS):
        redraw = redraw[rng.random(redraw.size) >= return_weight]
        if redraw.size == 0:
            break
        picked[redraw] = csr.step(came_from[redraw], rng.random(redraw.size), weighted)
        redraw = redraw[picked[redraw] == before[redraw]]
    return picked


def matrix_batch(paths: npt.NDArray[np.integer], lengths: npt.NDArray[np.int64],
                 internal_ids: npt.NDArray[np.int64]) -> WalkBatch:
    """The walks of a walk matrix as a batch of internal ids."""
    mask = np.arange(paths.shape[1])[None, :] < lengths[:, None]
    rows = paths[mask]
    del mask
    return WalkBatch(nodes=internal_ids[rows], lengths=lengths)


def walk_rows(hops: list[HopCsr], starts: npt.NDArray[np.int64], walk_length: int, weighted: bool,
              rng: np.random.Generator, internal_ids: npt.NDArray[np.int64],
              return_weight: float = 1.0) -> WalkBatch:
    """Walk every start row at once; hop ``i mod len(hops)`` at step ``i``; dead ends stop a walk."""
    paths, lengths = walk_matrix(hops, starts, walk_length, weighted, rng, internal_ids.size, return_weight)
    return matrix_batch(paths, lengths, internal_ids)
