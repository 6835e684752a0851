"""Small hand-made graphs for integration tests, written through the runner (KuaiRec-style names)."""

from __future__ import annotations

from mp2v.db.runner import QueryRunner
from mp2v.graph_model import KUAIREC, write_model


def create_graph(
    runner: QueryRunner,
    users: list[int],
    items: list[int],
    watched: list[tuple[int, int, float]],
    follows: list[tuple[int, int]] = (),  # type: ignore[assignment]
) -> None:
    """Users, videos, weighted WATCHED edges and FOLLOWS edges, with the KuaiRec :Dataset node."""
    write_model(runner, KUAIREC)
    runner.write("test/create_graph", {
        "users": users, "items": items,
        "watched": [[u, v, float(w)] for u, v, w in watched],
        "follows": [[a, b] for a, b in follows],
    })
