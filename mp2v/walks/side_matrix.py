"""In-memory walks over a users x items matrix plus an items x features matrix (no database needed).

Two metapaths, as the graph walks would take them: ``User-<interaction>->Item<-<interaction>-User`` from every
user with interactions, and ``Item-<feature>->Feature<-<feature>-Item`` from every item with side information
(``side_walks_per_node`` each; 0 leaves feature nodes to the EGES aggregation alone). Items outside
``walkable_items`` (cold-start items held out of a study) are never visited by either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.graph.model import GraphModel
from mp2v.models.base import check_int
from mp2v.models.mp2v import Corpus
from mp2v.types import InteractionMatrix
from mp2v.walks.csr import HopCsr
from mp2v.walks.memory_engine import walk_matrix

#: Labels of the matrices' graph (token prefixes ``u``, ``i`` and ``f``).
SIDE_MATRIX_GRAPH = GraphModel(dataset="matrix", user_label="User", item_label="Item", feature_label="Feature",
                               feature_type="HAS_FEATURE")


def bipartite_hops(matrix: sp.csr_matrix) -> tuple[HopCsr, HopCsr, int]:
    """Row -> column and column -> row hops over node rows ``[rows..., columns...]``; and the node count."""
    n_rows, n_cols = matrix.shape
    forward = HopCsr(indptr=np.concatenate((matrix.indptr, np.full(n_cols, matrix.indptr[-1]))).astype(np.int64),
                     targets=(matrix.indices + n_rows).astype(np.int64),
                     cumulative=np.cumsum(matrix.data, dtype=np.float64))
    by_col = matrix.tocsc()
    backward = HopCsr(indptr=np.concatenate((np.zeros(n_rows, np.int64), by_col.indptr)).astype(np.int64),
                      targets=by_col.indices.astype(np.int64), cumulative=np.cumsum(by_col.data, dtype=np.float64))
    return forward, backward, n_rows + n_cols


@dataclass(frozen=True)
class SideMatrixWalks:
    """User-item walks and item-feature walks written as one corpus (an MP2V / EGES corpus source)."""

    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    item_features: sp.csr_matrix
    feature_ids: npt.NDArray[Any]
    walks_per_node: int = 10
    side_walks_per_node: int = 5
    walk_length: int = 20
    weighted: bool = True
    seed: int = 42
    #: Items walks may visit (None: all); held-out cold items are left out.
    walkable_items: npt.NDArray[np.bool_] | None = None
    graph: GraphModel = field(default=SIDE_MATRIX_GRAPH)

    def __post_init__(self) -> None:
        check_int("SideMatrixWalks", "walks_per_node", self.walks_per_node, 1)
        check_int("SideMatrixWalks", "side_walks_per_node", self.side_walks_per_node, 0)
        check_int("SideMatrixWalks", "walk_length", self.walk_length, 2)

    def walk(self, train: InteractionMatrix, out: Path, *, progress: bool) -> Corpus:
        prefixes = self.graph.token_prefixes
        users = [f"{prefixes[self.graph.user_label]}:{u}" for u in self.user_ids.tolist()]
        items = [f"{prefixes[self.graph.item_label]}:{i}" for i in self.item_ids.tolist()]
        features = [f"{prefixes[self.graph.feature_label or 'Feature']}:{f}" for f in self.feature_ids.tolist()]
        keep = (np.ones(train.shape[1], dtype=np.float32) if self.walkable_items is None
                else self.walkable_items.astype(np.float32))
        plays = sp.csr_matrix(train @ sp.diags(keep))
        plays.eliminate_zeros()
        tagged = sp.csr_matrix(sp.diags(keep) @ sp.csr_matrix(self.item_features, dtype=np.float32))
        tagged.eliminate_zeros()
        rng = np.random.default_rng(self.seed)
        out.parent.mkdir(parents=True, exist_ok=True)
        walks = tokens = 0
        with out.open("w", encoding="utf-8") as handle:
            parts = [(plays, np.array(users + items), self.walks_per_node)]
            if self.side_walks_per_node and tagged.nnz:
                parts.append((tagged, np.array(items + features), self.side_walks_per_node))
            for matrix, names, per_node in parts:
                forward, backward, n_nodes = bipartite_hops(matrix)
                starts = np.repeat(np.flatnonzero(np.diff(matrix.indptr) > 0).astype(np.int64), per_node)
                paths, lengths = walk_matrix([forward, backward], starts, self.walk_length, self.weighted, rng,
                                             n_nodes)
                for row, length in zip(paths, lengths.tolist(), strict=True):
                    handle.write(" ".join(names[row[:length]].tolist()) + "\n")
                walks, tokens = walks + int(lengths.size), tokens + int(lengths.sum())
        return Corpus(out, "matrix+side", walks, tokens)
