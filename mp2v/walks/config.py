"""Typed walk settings and the per-metapath task every engine receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mp2v.errors import ConfigError
from mp2v.graph.metapath import Metapath


class StartNodes(StrEnum):
    """Which nodes walks start from."""

    USERS = "users"
    ITEMS = "items"
    BOTH = "both"
    #: Each metapath from the label it is written with: combines user metapaths with side-information ones
    #: such as ``Artist-HAS_TAG->Tag<-HAS_TAG-Artist`` that never visit a user.
    FIRST = "first"


class EngineChoice(StrEnum):
    """The walk engine ``--engine`` picks: ``auto`` chooses GDS or the in-memory CSR engine per graph."""

    AUTO = "auto"
    GDS = "gds"
    CYPHER = "cypher"
    MEMORY = "memory"


#: OpenGDS rejects a higher concurrency (it is an error, not a clamp).
MAX_GDS_CONCURRENCY = 4
_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class HoldoutExclusion:
    """Relationships whose ``property`` holds one of ``values`` are not walked (an evaluation split).

    Each split marks its own property (``holdout_<key>``, see mp2v/experiments/protocols.py), so splits of
    different seeds never overwrite each other; the queries read it as ``r[$holdout_property]``.
    """

    property: str = "holdout"
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _PROPERTY_NAME.fullmatch(self.property):
            raise ConfigError(f"HoldoutExclusion: property={self.property!r} is invalid; use letters, digits "
                              "and underscores, e.g. holdout_0123456789ab")

    def __bool__(self) -> bool:
        return bool(self.values)

    def params(self) -> dict[str, Any]:
        """The query parameters every walk query filters held-out relationships with."""
        return {"holdout_property": self.property, "excluded": list(self.values)}


@dataclass(frozen=True)
class WalkConfig:
    """What to walk: metapaths, how many walks of which length, from which nodes, weighted or uniform."""

    metapaths: tuple[Metapath, ...]
    walks_per_node: int = 10
    #: Nodes per walk (GDS counts nodes, not hops).
    walk_length: int = 40
    start: StartNodes = StartNodes.USERS
    #: R-MP2V: step in proportion to the edge ``weight``; MP2V: uniformly.
    weighted: bool = True
    seed: int = 42
    concurrency: int = 1
    engine: EngineChoice = EngineChoice.AUTO
    #: Start nodes per query/chunk: bounds memory and the length of any one server call.
    source_batch_size: int = 20_000
    #: ``auto`` walks inside Neo4j with GDS unless a hop reaches a node of higher degree: GDS scans a node's
    #: relationships at every step, and the benchmark's degree sweep (docs/walks.md) measured its per-step
    #: rate falling below what Bolt streaming carries (about 1.7 M steps/s here) past a few hundred
    #: neighbours and to a third of it at 1,000. Above this, the in-memory CSR engine samples in O(log d).
    hub_degree_threshold: int = 1_000
    #: ``auto`` keeps GDS when the in-memory engine would need more than this (None: half of the memory
    #: available when the walk starts).
    memory_budget_mb: int | None = None
    #: Relationships held out by an evaluation split are not walked.
    exclude_holdout: HoldoutExclusion = HoldoutExclusion()
    #: The weight of a step back to the node two steps before, relative to its edge weight (node2vec's 1/p;
    #: 1: plain metapath walks, 0: never step back where another way on exists). Below 1 the in-memory
    #: engine walks, the only one that implements it.
    return_weight: float = 1.0

    def __post_init__(self) -> None:
        # Plain strings are accepted (configs written by hand, older callers) and become the enums here.
        for name, choice in (("start", StartNodes), ("engine", EngineChoice)):
            try:
                object.__setattr__(self, name, choice(getattr(self, name)))
            except ValueError:
                raise ConfigError(f"{name} must be one of {', '.join(choice)}, not {getattr(self, name)!r}") from None
        if not self.metapaths:
            raise ConfigError("give at least one metapath, e.g. --metapath 'User-WATCHED->Video<-WATCHED-User'")
        if self.walks_per_node < 1:
            raise ConfigError(f"walks_per_node {self.walks_per_node}: give at least 1 walk per start node")
        if self.walk_length < 2:
            raise ConfigError(f"walk_length {self.walk_length}: give at least 2 (it counts nodes, the start included)")
        if not 1 <= self.concurrency <= MAX_GDS_CONCURRENCY:
            raise ConfigError(f"concurrency must be between 1 and {MAX_GDS_CONCURRENCY} (OpenGDS's limit)")
        if not 0.0 <= self.return_weight <= 1.0:
            raise ConfigError(f"return_weight {self.return_weight}: give a value from 0 (never step back where "
                              "another way on exists) to 1 (plain walks)")
        if self.return_weight < 1.0 and self.engine in (EngineChoice.GDS, EngineChoice.CYPHER):
            raise ConfigError(f"return_weight {self.return_weight} needs the in-memory engine: choose engine "
                              f"'memory' or 'auto' instead of {self.engine.value!r}")
        if self.source_batch_size < 1:
            raise ConfigError("source_batch_size must be >= 1")
        if self.memory_budget_mb is not None and self.memory_budget_mb < 1:
            raise ConfigError("memory_budget_mb must be >= 1 (or None: half of the available memory)")
        if not isinstance(self.exclude_holdout, HoldoutExclusion):
            raise ConfigError(f"WalkConfig: exclude_holdout={self.exclude_holdout!r} is invalid; pass a "
                              "HoldoutExclusion(property, values)")


@dataclass(frozen=True)
class WalkTask:
    """One metapath walked from one start label: what an engine runs."""

    metapath: Metapath
    walks_per_node: int
    walk_length: int
    weighted: bool
    seed: int
    concurrency: int
    source_batch_size: int
    exclude_holdout: HoldoutExclusion = HoldoutExclusion()
    return_weight: float = 1.0

    @property
    def start_label(self) -> str:
        return self.metapath.start_label
