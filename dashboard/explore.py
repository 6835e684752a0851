"""The explorable graph as Cytoscape elements (pure; no Streamlit, no database): a centre user, the nodes
expanded so far, and the paths that explain a recommendation.

Node ids are ``<kind letter>:<entity id>`` (``u:2``, ``i:154``, ``f:73``), so the component's click and
expand events name the entity directly; every node carries its properties for the property panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KIND_LETTERS = {"user": "u", "item": "i", "feature": "f"}
LETTER_KINDS = {letter: kind for kind, letter in KIND_LETTERS.items()}
#: Cytoscape's force layout with label sizes counted, so labels do not overlap; no animation, so a
#: screenshot shows the finished layout.
LAYOUT = {"name": "fcose", "animate": False, "fit": True, "padding": 30, "nodeDimensionsIncludeLabels": True,
          "nodeRepulsion": 9000, "idealEdgeLength": 90, "randomize": True, "quality": "default"}


def node_id(kind: str, entity: Any) -> str:
    return f"{KIND_LETTERS[kind]}:{entity}"


def parse_node(text: str) -> tuple[str, str] | None:
    """(kind, id text) of a node id; None for anything else (a hand-edited URL)."""
    letter, _, entity = text.partition(":")
    return (LETTER_KINDS[letter], entity) if letter in LETTER_KINDS and entity else None


@dataclass
class Elements:
    """Nodes and edges keyed by id, so adding a node or link twice keeps one."""

    labels: dict[str, str]
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)

    def node(self, kind: str, entity: Any, name: str, **properties: Any) -> str:
        key = node_id(kind, entity)
        if key not in self.nodes:
            self.nodes[key] = {"id": key, "label": self.labels[kind], "kind": kind, "name": name, "entity": entity}
        self.nodes[key].update({k: v for k, v in properties.items() if v is not None})
        return key

    def edge(self, source: str, target: str, relation: str, **properties: Any) -> None:
        pair = tuple(sorted((source, target)))
        key = f"{pair[0]}|{relation}|{pair[1]}"
        self.edges.setdefault(key, {"id": key, "source": source, "target": target, "label": relation,
                                    **properties})

    def add_neighbours(self, source: str, rows: list[dict[str, Any]], names: dict[Any, str]) -> None:
        """Link ``source`` to each row of ``dashboard.data.expand`` (kind, id, name, relation, strength)."""
        for row in rows:
            target = self.node(row["kind"], row["id"], display_name(row["kind"], row["id"], row.get("name"), names))
            self.edge(source, target, row["relation"], strength=round(float(row["strength"]), 3))

    def mark(self, key: str, role: str) -> None:
        """Tag a node with a role the styles colour (centre, recommended, path)."""
        if key in self.nodes:
            self.nodes[key]["label"] = role

    def as_cytoscape(self) -> dict[str, list[dict[str, Any]]]:
        return {"nodes": [{"data": data} for data in self.nodes.values()],
                "edges": [{"data": data} for data in self.edges.values()]}


def display_name(kind: str, entity: Any, name: str | None, names: dict[Any, str]) -> str:
    if kind == "user":
        return f"User {entity}"
    if kind == "item":
        return names.get(entity, f"Item {entity}")
    return name or f"Feature {entity}"


def add_paths(elements: Elements, user: str, item: str, paths: list[dict[str, Any]], names: dict[Any, str],
              relations: dict[str, str]) -> None:
    """Draw the paths of ``dashboard.data.why`` between the user and the recommended item."""
    for path in paths:
        if path["path"] == "friend":
            friend = elements.node("user", path["via"], f"User {path['via']}")
            elements.edge(user, friend, relations["follows"], path="friend")
            elements.edge(friend, item, relations["interaction"], path="friend")
        elif path["path"] == "co-listener":
            shared = elements.node("item", path["via"], display_name("item", path["via"], None, names))
            other = elements.node("user", path["via2"], f"User {path['via2']}")
            elements.edge(user, shared, relations["interaction"], path="co-listener")
            elements.edge(other, shared, relations["interaction"], path="co-listener")
            elements.edge(other, item, relations["interaction"], path="co-listener")
        else:
            own = elements.node("item", path["via"], display_name("item", path["via"], None, names))
            feature = elements.node("feature", path["via2"], str(path["name"]))
            elements.edge(user, own, relations["interaction"], path="feature")
            elements.edge(own, feature, relations["feature"], path="feature")
            elements.edge(item, feature, relations["feature"], path="feature")


def path_summary(paths: list[dict[str, Any]]) -> dict[str, int]:
    """How many paths of each kind were found (each kind is capped by the query)."""
    counts = {"friend": 0, "co-listener": 0, "feature": 0}
    for path in paths:
        counts[path["path"]] = counts.get(path["path"], 0) + 1
    return counts
