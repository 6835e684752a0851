"""Map Neo4j internal node ids to corpus tokens, and find the start nodes of a metapath.

Both the node table and the start nodes are read in ranges of internal ids, one record per range (two or one
lists): the Python driver costs about 20 us per record whatever its size, so one record per node made these
reads take seconds on a few hundred thousand nodes (docs/walks.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.graph.metapath import Hop
from mp2v.graph.model import GraphModel
from mp2v.types import Label
from mp2v.walks.config import HoldoutExclusion


@dataclass(frozen=True)
class NodeTable:
    """Sorted internal ids with their tokens (``u:123``); lookups are vectorised binary searches."""

    internal_ids: npt.NDArray[np.int64]
    tokens: npt.NDArray[np.object_]
    labels: npt.NDArray[np.int8]
    label_names: tuple[Label, ...]

    def __len__(self) -> int:
        return int(self.internal_ids.size)

    @cached_property
    def _dense_rows(self) -> npt.NDArray[np.int64] | None:
        """Row by internal id (-1: not in the table) when ids are dense enough; else None (binary search).

        Neo4j's internal ids are dense, so this costs about 8 bytes per node of the database and turns the
        per-token lookup of the corpus writer from a binary search into one gather (10x faster).
        """
        if not self.internal_ids.size or self.internal_ids[0] < 0:
            return None
        top = int(self.internal_ids[-1])
        if top > 4 * self.internal_ids.size + 1_000_000:
            return None
        table = np.full(top + 1, -1, dtype=np.int64)
        table[self.internal_ids] = np.arange(self.internal_ids.size, dtype=np.int64)
        return table

    def positions(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Row of each internal id in this table; raises if an id is unknown (a node outside the labels)."""
        internal_ids = np.asarray(internal_ids, dtype=np.int64)
        table = self._dense_rows
        if table is not None:
            if not internal_ids.size:
                return np.empty(0, dtype=np.int64)
            if internal_ids.min() >= 0 and internal_ids.max() < table.size:
                rows = table[internal_ids]
                if rows.min() >= 0:
                    return rows
        rows = np.searchsorted(self.internal_ids, internal_ids)
        rows = np.minimum(rows, self.internal_ids.size - 1)
        if internal_ids.size and not np.array_equal(self.internal_ids[rows], internal_ids):
            missing = internal_ids[self.internal_ids[rows] != internal_ids][:5]
            raise KeyError(f"nodes {missing.tolist()} are not in the node table")
        return rows.astype(np.int64)

    def label_of(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
        return self.labels[self.positions(internal_ids)]


def load_node_table(runner: QueryRunner, model: GraphModel, labels: list[Label]) -> NodeTable:
    """Stream (internal id, entity id) of every node of ``labels`` and build the token table."""
    ids_parts: list[npt.NDArray[np.int64]] = []
    token_parts: list[npt.NDArray[np.object_]] = []
    label_parts: list[npt.NDArray[np.int8]] = []
    for index, label in enumerate(labels):
        prefix = f"{model.token_prefixes.get(label, label[:1].lower())}:"
        for lo, hi in id_ranges(runner, label):
            for batch in runner.stream("walks/node_table_batch", {"lo": lo, "hi": hi}, identifiers={"Label": label}):
                for node_ids, entity_ids, without_id in batch:
                    if without_id:  # tokens like u:None, as one record per node gave them
                        missing, present = set(without_id), iter(entity_ids)
                        entity_ids = [None if node in missing else next(present) for node in node_ids]
                    ids_parts.append(np.array(node_ids, dtype=np.int64))
                    token_parts.append(np.array([prefix + str(e) for e in entity_ids], dtype=object))
                    label_parts.append(np.full(len(node_ids), index, dtype=np.int8))
    internal_ids = np.concatenate(ids_parts) if ids_parts else np.empty(0, np.int64)
    order = np.argsort(internal_ids, kind="stable")
    internal_ids = internal_ids[order]
    # A node carrying two of the labels appears twice: keep its first label.
    keep = np.ones(internal_ids.size, dtype=bool)
    keep[1:] = internal_ids[1:] != internal_ids[:-1]
    tokens = (np.concatenate(token_parts) if token_parts else np.empty(0, object))[order][keep]
    label_codes = (np.concatenate(label_parts) if label_parts else np.empty(0, np.int8))[order][keep]
    return NodeTable(internal_ids[keep], tokens, label_codes, tuple(labels))


#: Internal ids per ranged read: a record of up to this many nodes (a few MB).
ID_RANGE = 250_000


def id_ranges(runner: QueryRunner, label: Label, span: int = ID_RANGE) -> Iterator[tuple[int, int]]:
    """Half-open ranges ``[lo, hi)`` of internal ids that cover every ``label`` node."""
    row = runner.read("walks/id_range", identifiers={"Label": label})[0]
    if not row["nodes"]:
        return
    for lo in range(int(row["lo"]), int(row["hi"]) + 1, span):
        yield lo, min(lo + span, int(row["hi"]) + 1)


def start_nodes(runner: QueryRunner, first_hop: Hop,
                excluded: HoldoutExclusion = HoldoutExclusion()) -> npt.NDArray[np.int64]:
    """Internal ids of the nodes that can take the metapath's first hop (sorted)."""
    query = {"OUT": "walks/sources_out_batch", "IN": "walks/sources_in_batch",
             "BOTH": "walks/sources_both_batch"}[first_hop.direction]
    identifiers = {"Source": first_hop.source, "Type": first_hop.rel_type, "Target": first_hop.target}
    parts = [np.array(nodes, dtype=np.int64)
             for lo, hi in id_ranges(runner, first_hop.source)
             for batch in runner.stream(query, {**excluded.params(), "lo": lo, "hi": hi},
                                        identifiers=identifiers)
             for (nodes,) in batch]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def max_degree(runner: QueryRunner, label: Label, rel_type: str) -> int:
    """The largest number of ``rel_type`` relationships of any ``label`` node."""
    rows = runner.read("walks/max_degree", identifiers={"Label": label, "Type": rel_type})
    return int(rows[0]["max_degree"] or 0)
