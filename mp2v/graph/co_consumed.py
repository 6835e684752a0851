"""The weighted item graph of the recsys-nlp-graph method: ``(:Item)-[:CO_CONSUMED {weight}]->(:Item)``.

Built inside Neo4j from the training interactions (cypher/itemgraph/*.cypher), one batch of items per
transaction. ``weight`` is the number of distinct users who consumed both items. Two caps keep it linear in
the catalogue instead of quadratic in the hubs: each item keeps only its ``top_n`` heaviest edges (so an
item has at most ``top_n`` outgoing edges and walks follow the strongest co-consumption), and users with more
than ``max_user_items`` items are not counted as evidence (a user with d items would add d^2 pairs).
The edges are directed (item -> one of its top co-consumed items); walks follow them outwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from mp2v.graph.model import GraphModel
from mp2v.models.base import check_int
from mp2v.walks.config import HoldoutExclusion

CO_CONSUMED = "CO_CONSUMED"


class WriteRunner(Protocol):
    """The part of :class:`mp2v.db.runner.QueryRunner` the build needs (a fake in unit tests)."""

    def read(self, name: str, params: Any = None, *, identifiers: Any = None) -> list[dict[str, Any]]: ...

    def write(self, name: str, params: Any = None, *, identifiers: Any = None) -> tuple[list[dict[str, Any]], Any]: ...

    def run_autocommit(self, name: str, params: Any = None, *,
                       identifiers: Any = None) -> tuple[list[dict[str, Any]], Any]: ...


@dataclass(frozen=True)
class ItemGraphConfig:
    """How the co-consumption graph is built (see the module docstring for the caps)."""

    rel_type: str = CO_CONSUMED
    #: Outgoing edges kept per item (its heaviest co-consumed items).
    top_n: int = 50
    #: Users with more items than this do not count as co-consumption evidence.
    max_user_items: int = 1_000
    #: Minimum number of co-consuming users for an edge.
    min_users: int = 1
    #: Items per build transaction.
    batch_size: int = 500

    def __post_init__(self) -> None:
        for field, minimum in (("top_n", 1), ("max_user_items", 2), ("min_users", 1), ("batch_size", 1)):
            check_int("ItemGraphConfig", field, getattr(self, field), minimum)


@dataclass(frozen=True)
class ItemGraphSummary:
    rel_type: str
    items: int
    edges: int
    seconds: float


def identifiers(model: GraphModel, config: ItemGraphConfig) -> dict[str, str]:
    return {"User": model.user_label, "Item": model.item_label, "Interaction": model.interaction_type,
            "CoConsumed": config.rel_type}


def delete_item_graph(runner: WriteRunner, model: GraphModel, config: ItemGraphConfig = ItemGraphConfig()) -> None:
    """Remove every ``config.rel_type`` relationship between items (batched, auto-commit)."""
    runner.run_autocommit("itemgraph/delete_co_consumed", {"batch_size": 10_000},
                          identifiers=identifiers(model, config))


def build_item_graph(runner: WriteRunner, model: GraphModel, config: ItemGraphConfig = ItemGraphConfig(),
                     exclusion: HoldoutExclusion = HoldoutExclusion()) -> ItemGraphSummary:
    """Replace the item graph with one built from the interactions that ``exclusion`` does not hold out."""
    started = time.monotonic()
    names = identifiers(model, config)
    delete_item_graph(runner, model, config)
    items = [row["id"] for row in runner.read("itemgraph/item_ids", identifiers=names)]
    edges = 0
    for start in range(0, len(items), config.batch_size):
        params = {"items": items[start:start + config.batch_size], "top_n": config.top_n,
                  "max_user_items": config.max_user_items, "min_users": config.min_users,
                  **exclusion.params()}
        records, _ = runner.write("itemgraph/build_co_consumed", params, identifiers=names)
        edges += sum(int(record["edges"]) for record in records)
    return ItemGraphSummary(config.rel_type, len(items), edges, time.monotonic() - started)
