"""A served *alias* (e.g. ``live``) over two slots, so that a refresh swaps runs atomically.

The refresh writes the new run into the slot the alias does NOT point at (``<alias>_a`` / ``<alias>_b``),
waits for its vector indexes, then moves the alias in one write transaction. :class:`LiveServer` reads the
alias at the start of every query and answers the whole query from that one slot, so a query sees either
the old run or the new one, never a mix; the old slot stays intact until the refresh after next overwrites
it, so a query that read the alias just before the swap still finds all of its vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import StoredRun
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.serving.vector_index import Recommendation, Server, serve_run
from mp2v.types import EntityId, ScoringRule


def alias_target(runner: QueryRunner, alias: str) -> tuple[str, str] | None:
    """(slot, run id) ``alias`` points at, or None before its first swap."""
    rows = runner.read("serve/alias_get", {"name": alias})
    return (str(rows[0]["slot"]), str(rows[0]["run_id"])) if rows and rows[0]["slot"] else None


def alias_slot(runner: QueryRunner, alias: str) -> str | None:
    """The slot ``alias`` points at, or None before its first swap."""
    target = alias_target(runner, alias)
    return target[0] if target else None


def standby_slot(alias: str, current: str | None) -> str:
    """The slot a new run goes to: the one of the pair the alias does not point at."""
    first, second = f"{alias}_a", f"{alias}_b"
    return second if current == first else first


@dataclass(frozen=True)
class Swap:
    alias: str
    slot: str
    previous: str | None
    record: dict[str, Any]


def serve_and_swap(runner: QueryRunner, model: GraphModel, run: StoredRun, alias: str,
                   rule: ScoringRule | None = None) -> Swap:
    """Serve ``run`` in the standby slot (indexes online first), then point ``alias`` at it."""
    current = alias_slot(runner, alias)
    target = standby_slot(alias, current)
    record = serve_run(runner, model, run, rule=rule, slot=target)
    runner.write("serve/alias_set", {"name": alias, "slot": target})
    return Swap(alias, target, current, record)


class LiveServer:
    """Answers recommend / similar from whatever slot the alias points at when the query starts."""

    def __init__(self, runner: QueryRunner, model: GraphModel, alias: str) -> None:
        self.runner = runner
        self.model = model
        self.alias = alias
        #: Keyed by (slot, run id): a slot reused by a later refresh holds another run (and norm bound).
        self._servers: dict[tuple[str, str], Server] = {}

    def _server(self) -> Server:
        target = alias_target(self.runner, self.alias)
        if target is None:
            raise ConfigError(f"no run is served under alias {self.alias!r}; run `mp2v refresh` first")
        if target not in self._servers:
            self._servers[target] = Server(self.runner, self.model, target[0])
        return self._servers[target]

    def recommend(self, user_id: EntityId | str, k: int = 20) -> tuple[str, list[Recommendation]]:
        """(the run id that answered, its top-k items)."""
        server = self._server()
        return str(server.record["run_id"]), server.recommend(user_id, k)

    def similar(self, item_id: EntityId | str, k: int = 20) -> tuple[str, list[Recommendation]]:
        server = self._server()
        return str(server.record["run_id"]), server.similar(item_id, k)
