"""What every walk engine produces: batches of walks as flat arrays of Neo4j internal node ids."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np
import numpy.typing as npt

from mp2v.walks.config import WalkTask


@dataclass(frozen=True)
class WalkBatch:
    """Walks concatenated: ``nodes[offsets[i]:offsets[i] + lengths[i]]`` is walk ``i``."""

    nodes: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.lengths.size)

    @property
    def steps(self) -> int:
        return int(self.nodes.size)

    @property
    def offsets(self) -> npt.NDArray[np.int64]:
        return np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)

    def walks(self) -> Iterator[npt.NDArray[np.int64]]:
        """Each walk as an array (for tests and checks; the writer works on the flat arrays)."""
        for start, length in zip(self.offsets, self.lengths, strict=True):
            yield self.nodes[start:start + length]

    @staticmethod
    def from_rows(rows: list[list[int]]) -> WalkBatch:
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        nodes = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
        return WalkBatch(nodes=nodes, lengths=lengths)


class WalkEngine(Protocol):
    """Walks ``task.walks_per_node`` times from every source (Neo4j internal ids of ``task.start_label``)."""

    name: str

    def walk(self, task: WalkTask, sources: npt.NDArray[np.int64]) -> Generator[WalkBatch, None, None]: ...

    def close(self) -> None: ...
