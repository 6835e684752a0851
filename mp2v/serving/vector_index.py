"""Serving from Neo4j: a stored run's vectors as node properties, vector indexes, and top-k queries.

Each served method occupies a *slot* (``r_mp2v``, ``item2vec`` ...). Per slot, nodes carry:

* ``emb_<slot>`` on users (the query vector) and items (input vectors, for "autoplay" neighbours by cosine);
* ``score_<slot>`` on items: what the user -> item rule ranks by. For the ``dot`` rule (user input . item
  output) the index must do maximum inner product search, which Neo4j's cosine index does exactly after the
  standard augmentation x' = [x, sqrt(M^2 - |x|^2)] (M = the largest item norm) and q' = [q, 0]:
  cos(q', x') = q . x / (|q| M) is monotone in q . x for a given user. The query then re-scores the
  candidates exactly, so the served order is the offline order.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from mp2v.common.ids import parse_id
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import StoredRun
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.serving.scoring import normalised, scoring_rule
from mp2v.types import EntityId, FloatMatrix, ScoringRule

BATCH = 2_000
#: HNSW build parameters (Neo4j's defaults are 16 and 100); see docs/serving.md for the recall measurement.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 400


def slot_name(method: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", method.lower()).strip("_")


@dataclass(frozen=True)
class Slot:
    name: str

    @property
    def user_property(self) -> str:
        return f"emb_{self.name}"

    @property
    def item_property(self) -> str:
        return f"emb_{self.name}"

    @property
    def score_property(self) -> str:
        return f"score_{self.name}"

    @property
    def similar_index(self) -> str:
        return f"mp2v_{self.name}_similar"

    @property
    def score_index(self) -> str:
        return f"mp2v_{self.name}_score"


def serving_vectors(run: StoredRun, rule: ScoringRule) -> tuple[FloatMatrix, FloatMatrix]:
    """(user query vectors, item score vectors) for a rule: see the module docstring."""
    emb = run.embeddings
    if scoring_rule(rule) is ScoringRule.COSINE:
        return normalised(emb.user_input), normalised(emb.item_input)
    outputs = emb.item_output.astype(np.float64)
    norms = np.linalg.norm(outputs, axis=1)
    largest = float(norms.max())
    if largest == 0:
        raise ConfigError(f"run {run.run_id} has no output vectors; serve it with --scoring cosine")
    extra = np.sqrt(np.maximum(largest**2 - norms**2, 0.0))[:, None]
    return emb.user_input, np.hstack([outputs, extra]).astype(np.float32)


def served_runs(runner: QueryRunner) -> dict[str, dict[str, Any]]:
    return {row["properties"]["slot"]: row["properties"] for row in runner.read("serve/served_runs")}


def serve_run(runner: QueryRunner, model: GraphModel, run: StoredRun, *, rule: ScoringRule | None = None,
              slot: str | None = None) -> dict[str, Any]:
    """Write a run's vectors and indexes into its slot; a run already served there is left as it is."""
    rule = scoring_rule(rule or run.metadata.get("scoring", ScoringRule.DOT))
    current = Slot(slot or slot_name(run.method))
    record: dict[str, Any] = {"slot": current.name, "run_id": run.run_id, "method": run.method, "scoring": str(rule),
                              "dimensions": run.embeddings.dimensions, "dataset": model.dataset}
    existing = served_runs(runner).get(current.name)
    if existing and "item_norm_bound" in existing and all(existing.get(k) == v for k, v in record.items()):
        return existing
    started = time.monotonic()
    users, items = serving_vectors(run, rule)
    # For dot, cos(q', x') = q . x / (|q| M): the caller needs M to turn the index's cosine back into q . x.
    record["item_norm_bound"] = float(np.linalg.norm(items, axis=1).max()) if rule == "dot" else 1.0
    for label, prop in ((model.user_label, current.user_property), (model.item_label, current.item_property),
                        (model.item_label, current.score_property)):
        runner.run_autocommit("serve/remove_vectors", {"property": prop}, identifiers={"Label": label})
    _write(runner, model.user_label, current.user_property, run.embeddings.user_ids, users)
    _write(runner, model.item_label, current.item_property, run.embeddings.item_ids, run.embeddings.item_input)
    _write(runner, model.item_label, current.score_property, run.embeddings.item_ids, items)
    _ensure_index(runner, current.similar_index, model.item_label, current.item_property,
                  run.embeddings.item_input.shape[1])
    _ensure_index(runner, current.score_index, model.item_label, current.score_property, items.shape[1])
    runner.write("serve/await_indexes", {"seconds": 600})
    record["served_seconds"] = round(time.monotonic() - started, 2)
    record["served_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    runner.write("serve/record_served_run", {"properties": record})
    return record


def _write(runner: QueryRunner, label: str, prop: str, ids: np.ndarray, vectors: FloatMatrix) -> None:
    for start in range(0, ids.size, BATCH):
        rows = [{"id": i, "vector": v} for i, v in zip(ids[start:start + BATCH].tolist(),
                                                       vectors[start:start + BATCH].astype(float).tolist(),
                                                       strict=True)]
        runner.write("serve/set_vectors", {"rows": rows, "property": prop}, identifiers={"Label": label})


def _ensure_index(runner: QueryRunner, name: str, label: str, prop: str, dimensions: int) -> None:
    """Create the cosine vector index, replacing one of another dimension (a new run may change it)."""
    existing = {row["name"]: row for row in runner.read("serve/vector_indexes",
                                                        {"dimensions_key": "vector.dimensions"})}
    if name in existing and existing[name]["dimensions"] != dimensions:
        runner.write("admin/drop_index", {"name": name})
    runner.write("serve/create_vector_index", {"dimensions": dimensions, "similarity": "cosine",
                                               "hnsw_m": HNSW_M, "hnsw_ef_construction": HNSW_EF_CONSTRUCTION},
                 identifiers={"Index": name, "Label": label, "Property": prop})


@dataclass(frozen=True)
class Recommendation:
    item_id: EntityId
    name: str | None
    score: float


class Server:
    """Answers recommend / similar queries from the graph's vector indexes for one served slot."""

    def __init__(self, runner: QueryRunner, model: GraphModel, slot: str) -> None:
        self.runner = runner
        self.model = model
        served = served_runs(runner)
        if slot not in served:
            known = ", ".join(sorted(served)) or "none"
            raise ConfigError(f"no run is served in slot {slot!r} (served: {known}); run `mp2v serve` first")
        self.record = served[slot]
        self.slot = Slot(slot)

    def recommend(self, user_id: EntityId | str, k: int = 20, *, exclude_seen: bool = True,
                  margin: int = 500) -> list[Recommendation]:
        """Top-k items for a user; the id (typed or text) is read with the dataset's id type."""
        user_id = parse_id(user_id, self.model.id_type, what=f"{self.model.user_label} id")
        ids = {"User": self.model.user_label, "Interaction": self.model.interaction_type}
        exists = self.runner.read("serve/user_vector_exists", {"user": user_id, "property": self.slot.user_property},
                                  identifiers={"User": self.model.user_label})
        if not exists:
            raise ConfigError(f"no {self.model.user_label} with id {user_id!r} in the graph")
        if not exists[0]["served"]:
            raise ConfigError(f"{self.model.user_label} {user_id!r} has no vector in run {self.record['run_id']}")
        dot = self.record["scoring"] == "dot"
        rows = self.runner.read("serve/recommend", {
            "user": user_id, "k": k, "exclude_seen": exclude_seen, "margin": margin,
            "index": self.slot.score_index, "user_property": self.slot.user_property,
            "padding": [0.0] if dot else []}, identifiers=ids)
        # Cosine slots store unit vectors, so the index cosine is the score; dot slots rescale it (docstring).
        scale = float(self.record.get("item_norm_bound", 1.0))
        return [Recommendation(r["id"], r["name"], float(r["cosine"]) * (r["query_norm"] * scale if dot else 1.0))
                for r in rows]

    def similar(self, item_id: EntityId | str, k: int = 20) -> list[Recommendation]:
        """The items closest to an item; the id (typed or text) is read with the dataset's id type."""
        item_id = parse_id(item_id, self.model.id_type, what=f"{self.model.item_label} id")
        found = self.runner.read("serve/item_exists", {"item": item_id, "property": self.slot.item_property},
                                 identifiers={"Item": self.model.item_label})
        if not found:
            raise ConfigError(f"no {self.model.item_label} with id {item_id!r} in the graph")
        if not found[0]["served"]:
            raise ConfigError(f"{self.model.item_label} {item_id!r} has no vector in run {self.record['run_id']}")
        rows = self.runner.read("serve/similar", {
            "item": item_id, "k": k, "candidates": 2 * k + 50, "index": self.slot.similar_index,
            "property": self.slot.item_property}, identifiers={"Item": self.model.item_label})
        return [Recommendation(r["id"], r["name"], float(r["cosine"])) for r in rows]
