"""GDS projections that make ``gds.randomWalk`` obey a metapath.

GDS has no metapath option. Two constructions make its plain random walk follow the schedule exactly:

* native: when every label leaves by one (type, direction) and each type joins one label pair
  (``User-WATCHED->Video<-WATCHED-User``), a native projection of just those labels and types, oriented as
  the hops are, allows no other step (fast: 6.6 s for 8.8 M relationships in the notes);
* layered: otherwise node (n, phase i) becomes id(n) * L + i and each hop-i relationship a -> b becomes
  (a, i) -> (b, i+1 mod L), via a Cypher aggregation projection; a plain walk from (u, 0) then takes hop
  i mod L at step i. Ids map back with integer division.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mp2v.db import queries
from mp2v.db.runner import QueryRunner
from mp2v.graph.metapath import Metapath
from mp2v.walks.config import HoldoutExclusion
from mp2v.walks.schema import native_projection


@dataclass
class Projection:
    """A named in-memory GDS graph for one metapath; drop it when done (it is a context manager)."""

    runner: QueryRunner
    name: str
    metapath: Metapath
    layered: bool
    node_count: int
    relationship_count: int
    seconds: float
    has_weights: bool

    def to_projected(self, internal_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Start nodes in projected ids (phase 0 of the layered graph)."""
        return internal_ids * self.metapath.length if self.layered else internal_ids

    def from_projected(self, projected: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return projected // self.metapath.length if self.layered else projected

    def drop(self) -> None:
        self.runner.write("admin/drop_gds_graph", {"name": self.name})

    def __enter__(self) -> Projection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop()


def _has_weights(runner: QueryRunner, metapath: Metapath) -> bool:
    types = {hop.rel_type for hop in metapath.hops}
    return any(runner.read("walks/has_weights", identifiers={"Type": t})[0]["present"] for t in types)


def project(runner: QueryRunner, metapath: Metapath, *, force_layered: bool = False,
            excluded: HoldoutExclusion = HoldoutExclusion()) -> Projection:
    """Project the graph ``metapath`` needs; the caller must drop it (use ``with project(...) as p``).

    Held-out relationships (``excluded``) can only be filtered by the Cypher projection, so they force layers.
    """
    started = time.monotonic()  # the checks below are part of projecting (they are not the walk)
    name = f"mp2v-walk-{uuid.uuid4().hex[:12]}"
    weights = _has_weights(runner, metapath)
    orientation = None if force_layered or excluded else native_projection(runner, metapath)
    if orientation is not None:
        property_spec = {"weight": {"property": "weight", "defaultValue": 1.0}} if weights else {}
        relationships = {t: {"orientation": o, "properties": property_spec} for t, o in orientation.items()}
        row = runner.write("walks/native_project", {
            "graph_name": name, "node_projection": sorted(set(metapath.labels)),
            "relationship_projection": relationships,
        })[0][0]
    else:
        statement, params = _layered_statement(metapath)
        row = runner.write(statement, {"graph_name": name, **excluded.params(), **params})[0][0]
    return Projection(
        runner=runner, name=name, metapath=metapath, layered=orientation is None,
        node_count=int(row["node_count"]), relationship_count=int(row["relationship_count"]),
        seconds=time.monotonic() - started, has_weights=weights,
    )


def _layered_statement(metapath: Metapath) -> tuple[queries.Statement, dict[str, int]]:
    branches = []
    params: dict[str, int] = {"cycle": metapath.length}
    for phase, hop in enumerate(metapath.hops):
        fragment = {"OUT": "walks/layered_hop_out", "IN": "walks/layered_hop_in",
                    "BOTH": "walks/layered_hop_both"}[hop.direction]
        branches.append((fragment, {"Source": hop.source, "Type": hop.rel_type, "Target": hop.target,
                                    "Hop": str(phase)}))
        params[f"phase_{phase}"] = phase
        params[f"next_{phase}"] = (phase + 1) % metapath.length
    return queries.compose("walks/layered_head", branches, "walks/layered_tail"), params
