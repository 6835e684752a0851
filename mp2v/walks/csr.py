"""Compressed sparse rows of the metapath's hops, with cumulative weights for O(log degree) sampling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.metapath import Hop
from mp2v.walks.nodes import NodeTable

EdgeArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class HopCsr:
    """Neighbours of node row ``r`` are ``targets[indptr[r]:indptr[r+1]]`` (rows index the NodeTable).

    ``cumulative`` is the running sum of weights over the whole edge array, so a weighted draw is one
    ``searchsorted`` regardless of the row's degree.
    """

    indptr: npt.NDArray[np.int64]
    targets: npt.NDArray[np.int64]
    cumulative: npt.NDArray[np.float64]

    @property
    def edge_count(self) -> int:
        return int(self.targets.size)

    def degrees(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return self.indptr[rows + 1] - self.indptr[rows]

    def step(self, rows: npt.NDArray[np.int64], uniforms: npt.NDArray[np.float64],
             weighted: bool) -> npt.NDArray[np.int64]:
        """Next row for each walker at ``rows`` (every row must have degree > 0)."""
        start = self.indptr[rows]
        end = self.indptr[rows + 1]
        if not weighted:
            return self.targets[start + (uniforms * (end - start)).astype(np.int64)]
        before = np.where(start > 0, self.cumulative[np.maximum(start - 1, 0)], 0.0)
        total = self.cumulative[end - 1] - before
        picks = np.searchsorted(self.cumulative, before + uniforms * total, side="right")
        return self.targets[np.clip(picks, start, end - 1)]

    def positive_rows(self, rows: npt.NDArray[np.int64], weighted: bool) -> npt.NDArray[np.bool_]:
        """Rows a walker can leave: degree > 0 (and, weighted, a positive total weight)."""
        start = self.indptr[rows]
        end = self.indptr[rows + 1]
        alive = end > start
        if weighted:
            before = np.where(start > 0, self.cumulative[np.maximum(start - 1, 0)], 0.0)
            last = self.cumulative[np.maximum(end - 1, 0)]
            alive &= (last - before) > 0
        return alive


def export_edges(runner: QueryRunner, source: str, rel_type: str, target: str,
                 excluded: tuple[str, ...] = (), batch_size: int = 100_000) -> EdgeArrays:
    """Stream every ``source-rel_type->target`` relationship (not held out) as internal-id arrays."""
    sources, targets, weights = [], [], []
    identifiers = {"Source": source, "Type": rel_type, "Target": target}
    for rows in runner.stream("walks/export_edges", {"excluded": list(excluded)}, identifiers=identifiers,
                              batch_size=batch_size):
        columns = list(zip(*rows, strict=True))
        sources.append(np.asarray(columns[0], dtype=np.int64))
        targets.append(np.asarray(columns[1], dtype=np.int64))
        weights.append(np.asarray(columns[2], dtype=np.float64))
    if not sources:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def hop_csr(nodes: NodeTable, hop: Hop, edges: EdgeArrays) -> HopCsr:
    """The CSR of one hop from the exported ``hop.source``/``hop.target`` relationship arrays."""
    starts, ends, weights = edges
    if hop.direction == "OUT":
        rows, cols = nodes.positions(starts), nodes.positions(ends)
    elif hop.direction == "IN":
        rows, cols = nodes.positions(ends), nodes.positions(starts)
    else:
        rows = np.concatenate((nodes.positions(starts), nodes.positions(ends)))
        cols = np.concatenate((nodes.positions(ends), nodes.positions(starts)))
        weights = np.concatenate((weights, weights))
    # Sorting by (row, column) gives every engine the same neighbour order: draws are reproducible.
    order = np.lexsort((cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return HopCsr(indptr=np.cumsum(indptr), targets=cols, cumulative=np.cumsum(weights))


def export_pair(hop: Hop) -> tuple[str, str, str]:
    """The (source label, type, target label) whose relationships a hop walks, as stored."""
    if hop.direction == "IN":
        return hop.target, hop.rel_type, hop.source
    return hop.source, hop.rel_type, hop.target
