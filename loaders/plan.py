"""A load plan: the validated graph a source module wants written, independent of how it gets written.

Both writers (transactional :mod:`loaders.writer`, bulk :mod:`loaders.bulk`) take the same plan, so the
graph is the same whichever path wrote it. Frames hold one row per node (``id`` first) and one row per
relationship (``start``, ``end`` first); every key is unique, so ``MERGE`` and the importer agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.rejects import FileCheck
from mp2v.graph.model import GraphModel
from mp2v.types import IdType, Label, RelType


@dataclass(frozen=True)
class NodeSet:
    """Nodes of one label: column ``id`` and then one column per property (NaN / None = not set)."""

    label: Label
    frame: pd.DataFrame

    @property
    def properties(self) -> list[str]:
        return [c for c in self.frame.columns if c != "id"]

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class RelationshipSet:
    """Relationships of one type between two labels: ``start``, ``end``, then the properties.

    ``query`` names the Cypher file that writes this shape (``cypher/load/<query>.cypher``); its
    property order is ``properties``. Fixed SET clauses measured faster than ``SET r += map`` (docs/loading.md).
    """

    type: RelType
    start_label: Label
    end_label: Label
    frame: pd.DataFrame
    query: str = "merge_links"
    #: Side information (categories, tags, features): the start ids the file describes. A re-load deletes
    #: their relationships of this type that ``frame`` no longer lists, so the stored side information equals
    #: the file. None: merge only (interactions, follows).
    replace_for: np.ndarray | None = None

    @property
    def properties(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("start", "end")]

    def listed_ends(self) -> pd.DataFrame:
        """One row per id of ``replace_for``: ``start`` and ``ends`` (the end ids the file lists, maybe none)."""
        starts = pd.Series(self.replace_for if self.replace_for is not None else [], name="start")
        grouped = self.frame.groupby("start", sort=False)["end"].agg(list)
        ends = grouped.reindex(starts.drop_duplicates().to_numpy())
        return pd.DataFrame({"start": ends.index.to_numpy(),
                             "ends": [value if isinstance(value, list) else [] for value in ends.to_numpy()]})

    def __len__(self) -> int:
        return len(self.frame)


#: The Cypher file per relationship shape, and the property columns it expects, in order.
REL_QUERIES: dict[str, tuple[str, ...]] = {
    "merge_links": (),
    "merge_plays": ("plays", "weight"),
    "merge_counts": ("count", "weight"),
    "merge_watched": ("views", "watch_ratio", "watch_ratio_mean", "play_duration", "ts", "weight"),
    "merge_interactions": ("weight", "raw", "count", "ts"),
}


@dataclass
class GraphPlan:
    """Everything one load writes, plus what validation found in each file."""

    model: GraphModel
    nodes: list[NodeSet]
    relationships: list[RelationshipSet]
    files: list[FileCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Options whose change alters which nodes/edges exist; a re-load with other values is refused.
    structural_options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for rels in self.relationships:
            expected = ("start", "end", *REL_QUERIES[rels.query])
            if tuple(rels.frame.columns) != expected:
                raise ValueError(f"{rels.type} frame has columns {list(rels.frame.columns)}, query "
                                 f"{rels.query} needs {list(expected)}")

    @property
    def id_type(self) -> IdType:
        """``integer`` or ``string`` node ids (the bulk importer's --id-type): the graph model records it."""
        return self.model.id_type

    @property
    def node_count(self) -> int:
        return sum(len(n) for n in self.nodes)

    @property
    def relationship_count(self) -> int:
        return sum(len(r) for r in self.relationships)
