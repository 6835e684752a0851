"""Small hand-made graphs for integration tests, written through the runner (KuaiRec-style names)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from mp2v.db.runner import QueryRunner
from mp2v.graph.model import KUAIREC, GraphModel, write_model
from tests.cypher import query

#: A toy dataset with KuaiRec's labels but evaluated by the per-user holdout protocol.
TOY = GraphModel(dataset="toy", item_label="Video", interaction_type="WATCHED", feature_label="Category",
                 feature_type="IN_CATEGORY", weight_formula="weight", signal_property="weight")


def create_graph(
    runner: QueryRunner,
    users: list[int],
    items: list[int],
    watched: list[tuple[int, int, float]],
    follows: Sequence[tuple[int, int]] = (),
    model: GraphModel = KUAIREC,
) -> None:
    """Users, videos, weighted WATCHED edges and FOLLOWS edges, with the model's :Dataset node."""
    write_model(runner, model)
    runner.write(query("create_graph"), {
        "users": users, "items": items,
        "watched": [[u, v, float(w)] for u, v, w in watched],
        "follows": [[a, b] for a, b in follows],
    })


def two_communities(runner: QueryRunner, users_per_side: int = 20, items_per_side: int = 15,
                    watched_per_user: int = 8, seed: int = 0) -> None:
    """Users 0..2n-1 and videos 1000..: each user watches only videos of their own half (the planted truth)."""
    rng = random.Random(seed)
    users = list(range(2 * users_per_side))
    items = list(range(1000, 1000 + 2 * items_per_side))
    watched = []
    for user in users:
        side = items[:items_per_side] if user < users_per_side else items[items_per_side:]
        watched += [(user, item, rng.choice([1.0, 2.0, 4.0])) for item in rng.sample(side, watched_per_user)]
    create_graph(runner, users, items, watched, model=TOY)
