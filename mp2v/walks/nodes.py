"""Map Neo4j internal node ids to corpus tokens, and find the start nodes of a metapath."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.graph_model import GraphModel
from mp2v.metapath import Hop
from mp2v.types import Label


@dataclass(frozen=True)
class NodeTable:
    """Sorted internal ids with their tokens (``u:123``); lookups are vectorised binary searches."""

    internal_ids: npt.NDArray[np.int64]
    tokens: npt.NDArray[np.object_]
    labels: npt.NDArray[np.int8]
    label_names: tuple[Label, ...]

    def __len__(self) -> int:
        return int(self.internal_ids.size)

    def positions(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Row of each internal id in this table; raises if an id is unknown (a node outside the labels)."""
        rows = np.searchsorted(self.internal_ids, internal_ids)
        rows = np.minimum(rows, self.internal_ids.size - 1)
        if internal_ids.size and not np.array_equal(self.internal_ids[rows], internal_ids):
            missing = internal_ids[self.internal_ids[rows] != internal_ids][:5]
            raise KeyError(f"nodes {missing.tolist()} are not in the node table")
        return rows.astype(np.int64)

    def tokens_of(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        return self.tokens[self.positions(internal_ids)]

    def label_of(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
        return self.labels[self.positions(internal_ids)]


def load_node_table(runner: QueryRunner, model: GraphModel, labels: list[Label]) -> NodeTable:
    """Stream (internal id, entity id) of every node of ``labels`` and build the token table."""
    ids_parts: list[npt.NDArray[np.int64]] = []
    token_parts: list[npt.NDArray[np.object_]] = []
    label_parts: list[npt.NDArray[np.int8]] = []
    for index, label in enumerate(labels):
        prefix = f"{model.token_prefixes.get(label, label[:1].lower())}:"
        for batch in runner.stream("walks/node_table", identifiers={"Label": label}, batch_size=50_000):
            nodes = np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
            tokens = np.array([prefix + str(row[1]) for row in batch], dtype=object)
            ids_parts.append(nodes)
            token_parts.append(tokens)
            label_parts.append(np.full(len(batch), index, dtype=np.int8))
    internal_ids = np.concatenate(ids_parts) if ids_parts else np.empty(0, np.int64)
    order = np.argsort(internal_ids, kind="stable")
    internal_ids = internal_ids[order]
    # A node carrying two of the labels appears twice: keep its first label.
    keep = np.ones(internal_ids.size, dtype=bool)
    keep[1:] = internal_ids[1:] != internal_ids[:-1]
    tokens = (np.concatenate(token_parts) if token_parts else np.empty(0, object))[order][keep]
    label_codes = (np.concatenate(label_parts) if label_parts else np.empty(0, np.int8))[order][keep]
    return NodeTable(internal_ids[keep], tokens, label_codes, tuple(labels))


def start_nodes(runner: QueryRunner, first_hop: Hop, excluded: tuple[str, ...] = ()) -> npt.NDArray[np.int64]:
    """Internal ids of the nodes that can take the metapath's first hop (sorted)."""
    query = {"OUT": "walks/sources_out", "IN": "walks/sources_in", "BOTH": "walks/sources_both"}[first_hop.direction]
    identifiers = {"Source": first_hop.source, "Type": first_hop.rel_type, "Target": first_hop.target}
    parts = [np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
             for batch in runner.stream(query, {"excluded": list(excluded)}, identifiers=identifiers,
                                        batch_size=50_000)]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def max_degree(runner: QueryRunner, label: Label, rel_type: str) -> int:
    """The largest number of ``rel_type`` relationships of any ``label`` node."""
    rows = runner.read("walks/max_degree", identifiers={"Label": label, "Type": rel_type})
    return int(rows[0]["max_degree"] or 0)
