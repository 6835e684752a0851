"""Cold start: vectors for items and users a trained run has never seen, with no retraining.

* Items: :func:`embed_item` builds an item's vector from side information alone (the mean of its features'
  vectors in an EGES run, mp2v/models/eges.py) and returns the nearest trained items (cosine of item vectors)
  and the users it would be recommended to (the run's ``dot`` score, :math:`u'_u \\cdot H`).
  :func:`write_cold_item` stores such an item in Neo4j with its side information and vectors in the served
  slot, so the vector index serves it at once.
* Users: :func:`fold_in_user` gives a user known only by a handful of items a query vector by a few skip-gram
  steps on that user's context (the items' context vectors), every other vector frozen;
  :func:`recommend_for_items` scores every item with it. :func:`mean_item_vector` is the production
  baseline (mean of the items' input vectors, cosine scoring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.db.runner import QueryRunner
from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import Embeddings, StoredRun
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.serving.scoring import normalised
from mp2v.serving.vector_index import Slot
from mp2v.types import EntityId, FloatMatrix, IndexArray


@dataclass(frozen=True)
class ColdItem:
    """A cold-start item's vector, the features it came from, and whom/what it lands next to."""

    vector: FloatMatrix
    features: list[str]
    unknown: list[str]
    neighbours: list[tuple[Any, float]]
    users: list[tuple[Any, float]]


def feature_columns(side: SideVectors, names: list[str]) -> tuple[IndexArray, list[str]]:
    """Columns of features named (case-insensitive) or given by id that have a vector; the rest."""
    lookup: dict[str, int] = {}
    for col, name in enumerate(side.feature_names.tolist()):
        lookup.setdefault(str(name).casefold(), col)
    for col, fid in enumerate(side.feature_ids.tolist()):
        lookup.setdefault(str(fid).casefold(), col)
    known = side.known_features
    found = [lookup[n.casefold()] for n in names if n.casefold() in lookup and known[lookup[n.casefold()]]]
    unknown = [n for n in names if n.casefold() not in lookup or not known[lookup[n.casefold()]]]
    return np.asarray(list(dict.fromkeys(found)), dtype=np.int64), unknown


def embed_item(run: StoredRun, side: SideVectors, names: list[str], k: int = 10) -> ColdItem:
    """Vector of an item described by side-information ``names`` only; its ``k`` nearest items and users."""
    columns, unknown = feature_columns(side, names)
    if columns.size == 0:
        raise ConfigError(f"none of {', '.join(map(repr, names))} is a side-information feature of run "
                          f"{run.run_id}; check the spelling (e.g. --tags \"heavy metal\") or train `mp2v eges`")
    vector = side.feature_vectors[columns].mean(axis=0).astype(np.float32)
    emb = run.embeddings
    cosines = normalised(emb.item_input) @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
    reach = emb.user_input @ vector
    return ColdItem(vector, [str(side.feature_names[c]) for c in columns.tolist()], unknown,
                    _best(emb.item_ids, cosines, k), _best(emb.user_ids, reach, k))


def _best(ids: npt.NDArray[Any], scores: npt.NDArray[np.floating], k: int,
          skip: npt.NDArray[np.bool_] | None = None) -> list[tuple[Any, float]]:
    values = np.where(skip, -np.inf, scores) if skip is not None else scores
    order = np.argsort(-values, kind="stable")[:k]
    return [(ids[i].item(), float(values[i])) for i in order if np.isfinite(values[i])]


def write_cold_item(runner: QueryRunner, model: GraphModel, record: dict[str, Any], item_id: EntityId, name: str,
                    feature_ids: list[Any], vector: FloatMatrix) -> None:
    """Create (or update) the item with its side-information relationships and its vectors in ``record``'s
    served slot (the similar and score indexes pick it up at once)."""
    if not model.feature_label or not model.feature_type:
        raise ConfigError(f"dataset {model.dataset!r} has no side information to attach to a new item")
    slot = Slot(str(record["slot"]))
    if record.get("scoring") == "dot":
        # The score index holds [x, sqrt(M^2 - |x|^2)] (mp2v/serving/vector_index.py); a longer new vector is
        # scaled down to the bound M so that the augmentation stays real.
        bound = float(record.get("item_norm_bound", 1.0))
        norm = float(np.linalg.norm(vector))
        scored = vector * min(1.0, bound / max(norm, 1e-12))
        extra = np.sqrt(max(bound**2 - float(np.dot(scored, scored)), 0.0))
        score_vector = np.append(scored, extra).astype(np.float32)
    else:
        score_vector = normalised(vector[None, :])[0]
    runner.write("coldstart/create_item", {"id": item_id, "name": name, "features": feature_ids},
                 identifiers={"Item": model.item_label, "FeatureType": model.feature_type,
                              "Feature": model.feature_label})
    for prop, values in ((slot.item_property, vector), (slot.score_property, score_vector)):
        runner.write("serve/set_vectors", {"rows": [{"id": item_id, "vector": values.astype(float).tolist()}],
                                           "property": prop}, identifiers={"Label": model.item_label})


# ------------------------------------------------------------------------------------------------ users
def fold_in_user(context: FloatMatrix, positives: IndexArray, *, steps: int = 50, negative: int = 5,
                 seed: int = 0) -> FloatMatrix:
    r"""A query vector :math:`q` for a new user from the context vectors of the user's items, all frozen.

    Gradient ascent on the SGNS objective :math:`\sum_{i} \log\sigma(q\cdot c_i) + \sum_{n}
    \log\sigma(-q\cdot c_n)` over the user's items ``positives`` and ``negative`` uniformly drawn items per
    positive, redrawn every step; the step size is scaled by the mean squared norm of the context vectors, so
    the same settings suit runs of any vector scale.
    """
    if positives.size == 0:
        raise ConfigError("fold-in needs at least one known item of the new user")
    rng = np.random.default_rng(seed)
    positive = context[positives].astype(np.float64)
    rate = 1.0 / max(float((positive**2).sum(axis=1).mean()), 1e-12)
    query = np.zeros(context.shape[1])
    # All negatives drawn at once and gathered from the float32 matrix: no copy of the whole matrix per call.
    drawn = context[rng.integers(0, context.shape[0], (steps, positives.size * negative))].astype(np.float64)
    for negatives in drawn:
        pull = (1.0 - _sigmoid(positive @ query)) @ positive
        push = _sigmoid(negatives @ query) @ negatives
        query += rate * (pull - push) / positives.size
    return query.astype(np.float32)


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0))))


def mean_item_vector(item_input: FloatMatrix, positives: IndexArray) -> FloatMatrix:
    """The production baseline: the mean of the user's items' input vectors (cosine scoring)."""
    return np.asarray(item_input[positives].mean(axis=0), dtype=np.float32)


def recommend_for_items(embeddings: Embeddings, items: list[Any], k: int = 20, *, steps: int = 50,
                        seed: int = 0) -> tuple[list[tuple[Any, float]], list[Any]]:
    """Top ``k`` items for a user known only by ``items`` (ids; the unknown ones are returned apart).

    Runs with output vectors (MP2V, R-MP2V, EGES) fold in and score :math:`q\\cdot u'_i`; runs without them
    (item2vec) score the mean of the items' vectors by cosine.
    """
    rows = embeddings.item_rows
    known = [rows[i] for i in items if i in rows]
    unknown = [i for i in items if i not in rows]
    if not known:
        raise ConfigError(f"none of the items {', '.join(map(str, items))} has a vector in this run")
    positives = np.asarray(sorted(set(known)), dtype=np.int64)
    # Runs without output vectors store zeros everywhere: a glance at the first rows tells them apart.
    if np.any(embeddings.item_output[:256]):
        query = fold_in_user(embeddings.item_output, positives, steps=steps, seed=seed)
        scores = embeddings.item_output @ query
    else:
        query = mean_item_vector(embeddings.item_input, positives)
        scores = normalised(embeddings.item_input) @ (query / max(float(np.linalg.norm(query)), 1e-12))
    skip = np.zeros(scores.size, dtype=bool)
    skip[positives] = True
    return _best(embeddings.item_ids, scores, k, skip), unknown
