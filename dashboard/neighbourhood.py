"""A user's neighbourhood as nodes and edges with a radial layout (pure; no Streamlit, no database).

The focus user sits at the centre, the first hop (friends, then the user's strongest items) on a ring
around it, and the second hop on an outer ring, each node placed near the first-hop nodes it links to, so
shared tastes show up as short bundles instead of lines crossing the whole drawing.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

Node = tuple[str, Any]  # ("user" | "item", id)


@dataclass(frozen=True)
class Caps:
    friends: int = 15
    items: int = 20
    max_nodes: int = 150


def first_hop(history: pd.DataFrame, friends: pd.DataFrame, caps: Caps) -> tuple[list[Any], list[Any]]:
    """Friend ids and item ids of the first ring (friends sharing most items, strongest items first)."""
    return friends["id"].head(caps.friends).tolist(), history["id"].head(caps.items).tolist()


def build(user: Any, friend_ids: list[Any], item_ids: list[Any], second: pd.DataFrame, names: dict[Any, str],
          caps: Caps) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (x, y, kind, name, label, links, size) and edges (x, y, x2, y2), at most ``caps.max_nodes`` nodes."""
    kinds: dict[Node, str] = {("user", user): "focus user"}
    kinds.update({("user", f): "friend" for f in friend_ids})
    kinds.update({("item", i): "listened" for i in item_ids})
    edges: set[tuple[Node, Node]] = {(("user", user), n) for n in kinds if n != ("user", user)}
    # Second-hop nodes linked to the most friends are kept first; the rest is cut at max_nodes.
    candidates = [(("user", s), (str(k), t)) for s, k, t in second[["source", "kind", "target"]].itertuples(False)
                  if ("user", s) in kinds]
    support = Counter(target for _, target in candidates if target not in kinds)
    room = max(0, caps.max_nodes - len(kinds))
    for node, _ in sorted(support.items(), key=lambda kv: (-kv[1], str(kv[0])))[:room]:
        kinds[node] = "friend of friend" if node[0] == "user" else "friends' item"
    edges |= {(a, b) for a, b in candidates if b in kinds and a != b}
    position = _layout(("user", user), kinds, edges)
    degree = Counter(n for edge in edges for n in edge)
    first_ring = {"focus user", "friend", "listened"}
    nodes = pd.DataFrame([{
        "x": position[n][0], "y": position[n][1], "kind": kind, "name": _name(n, names),
        "label": _short(_name(n, names)) if kind in first_ring else "", "links": degree[n],
        "size": 3 * degree[n] + (30 if kind == "focus user" else 0),
    } for n, kind in kinds.items()])
    lines = pd.DataFrame([{"x": position[a][0], "y": position[a][1], "x2": position[b][0], "y2": position[b][1]}
                          for a, b in edges], columns=["x", "y", "x2", "y2"])
    return nodes, lines


def _name(node: Node, names: dict[Any, str]) -> str:
    return f"User {node[1]}" if node[0] == "user" else names.get(node[1], f"Item {node[1]}")


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _layout(focus: Node, kinds: dict[Node, str], edges: set[tuple[Node, Node]]) -> dict[Node, tuple[float, float]]:
    ring1 = [n for n, k in kinds.items() if k in ("friend", "listened")]
    ring2 = [n for n, k in kinds.items() if k in ("friend of friend", "friends' item")]
    angle = {n: 2 * math.pi * i / max(1, len(ring1)) for i, n in enumerate(ring1)}
    parents: dict[Node, list[float]] = {}
    for a, b in edges:
        if a in angle and b not in angle and b != focus:
            parents.setdefault(b, []).append(angle[a])
    # The circular mean of the parents' angles orders the outer ring; even spacing keeps nodes apart.
    wanted = {n: math.atan2(sum(math.sin(a) for a in parents.get(n, [0.0])),
                            sum(math.cos(a) for a in parents.get(n, [0.0]))) % (2 * math.pi) for n in ring2}
    ordered = sorted(ring2, key=lambda n: (wanted[n], str(n)))
    offset = wanted[ordered[0]] if ordered else 0.0
    outer = {n: offset + 2 * math.pi * i / max(1, len(ordered)) for i, n in enumerate(ordered)}
    position = {focus: (0.0, 0.0)}
    position |= {n: (math.cos(a), math.sin(a)) for n, a in angle.items()}
    position |= {n: (2.1 * math.cos(a), 2.1 * math.sin(a)) for n, a in outer.items()}
    return position
