"""Check a metapath against the graph, and decide whether GDS needs a layered projection for it."""

from __future__ import annotations

from mp2v.db.runner import QueryRunner
from mp2v.errors import MetapathError
from mp2v.graph.metapath import Hop, Metapath
from mp2v.types import Direction, Label, RelType


def _hop_present(runner: QueryRunner, source: Label, rel_type: RelType, target: Label) -> bool:
    identifiers = {"Source": source, "Type": rel_type, "Target": target}
    return bool(runner.read("walks/hop_exists", identifiers=identifiers)[0]["present"])


def hop_present(runner: QueryRunner, hop: Hop) -> bool:
    """True when the database has at least one relationship that this hop can take."""
    if hop.direction == "OUT":
        return _hop_present(runner, hop.source, hop.rel_type, hop.target)
    if hop.direction == "IN":
        return _hop_present(runner, hop.target, hop.rel_type, hop.source)
    return _hop_present(runner, hop.source, hop.rel_type, hop.target) or _hop_present(
        runner, hop.target, hop.rel_type, hop.source)


def validate_metapath(runner: QueryRunner, metapath: Metapath) -> None:
    """Raise MetapathError naming the first label, type or hop the database does not have."""
    labels = {row["label"] for row in runner.read("admin/labels")}
    types = {row["type"] for row in runner.read("admin/relationship_types")}
    for label in metapath.labels:
        if label not in labels:
            raise MetapathError(f"metapath {metapath}: the graph has no {label} nodes (labels: "
                                f"{', '.join(sorted(labels)) or 'none — load a dataset first'})")
    for hop in metapath.hops:
        if hop.rel_type not in types:
            raise MetapathError(f"metapath {metapath}: the graph has no {hop.rel_type} relationships (types: "
                                f"{', '.join(sorted(types)) or 'none'})")
    for position, hop in enumerate(metapath.hops, start=1):
        if hop_present(runner, hop):
            continue
        reverse: Direction = "IN" if hop.direction == "OUT" else "OUT"
        flipped = Hop(hop.source, hop.rel_type, reverse, hop.target)
        hint = f"; did you mean {flipped}?" if hop.direction != "BOTH" and hop_present(runner, flipped) else ""
        raise MetapathError(f"metapath {metapath}, hop {position} ({hop}): no such relationship exists{hint}")


def native_projection(runner: QueryRunner, metapath: Metapath) -> dict[RelType, str] | None:
    """Relationship orientations for a native projection that enforces the metapath, or None for layers.

    A native projection needs no phases when every label leaves by exactly one (type, direction) and each
    relationship type joins only the label pair the metapath names: then the projection itself allows no
    other step. ``User-WATCHED->Video<-WATCHED-User`` qualifies (WATCHED, undirected); a metapath whose label
    leaves by different hops at different phases (``User-FOLLOWS->User-WATCHED->...``) does not.
    """
    leaving: dict[Label, set[tuple[RelType, Direction]]] = {}
    for hop in metapath.hops:
        leaving.setdefault(hop.source, set()).add((hop.rel_type, hop.direction))
    if any(len(hops) > 1 for hops in leaving.values()):
        return None
    orientation: dict[RelType, str] = {}
    endpoints: dict[RelType, set[tuple[Label, Label]]] = {}
    for hop in metapath.hops:
        forward = (hop.source, hop.target) if hop.direction != "IN" else (hop.target, hop.source)
        endpoints.setdefault(hop.rel_type, set()).add(forward)
        wanted = {"OUT": "NATURAL", "IN": "REVERSE", "BOTH": "UNDIRECTED"}[hop.direction]
        previous = orientation.get(hop.rel_type)
        orientation[hop.rel_type] = wanted if previous in (None, wanted) else "UNDIRECTED"
    for rel_type, pairs in endpoints.items():
        if len(pairs) > 1:
            return None
        (start, end), = pairs
        # Undirected traversal is only safe when both ends leave by this very type.
        if orientation[rel_type] == "UNDIRECTED" and not (
                leaving.get(start) == leaving.get(end) or {t for t, _ in leaving.get(start, set())} ==
                {t for t, _ in leaving.get(end, set())} == {rel_type}):
            return None
        # No other projected label pair may be joined by this type, or walks could stray onto it.
        for source in set(metapath.labels):
            for target in set(metapath.labels):
                if (source, target) != (start, end) and _hop_present(runner, source, rel_type, target):
                    return None
    return orientation
