"""Scoring users against items, and item-to-item neighbours, from stored embeddings.

Two user -> item rules:

* ``dot``: the skip-gram model's own score for "item in the context of user", ``v_u . u_i`` (user input
  vector, item output vector). It is what SGNS optimises, and it keeps popularity information in the
  vector norms; on Last.fm it is far better than cosine (docs/training.md has the measurement). The default.
* ``cosine``: ``cos(v_u, v_i)`` between input vectors, what the seed papers used.

Items -> items ("autoplay") is cosine between item input vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.types import FloatMatrix, IndexArray, ScoringRule

SCORING_RULES: tuple[ScoringRule, ...] = tuple(ScoringRule)
DEFAULT_SCORING = ScoringRule.DOT


def scoring_rule(value: ScoringRule | str) -> ScoringRule:
    """A scoring rule from its name (a stored run's metadata, a config); a one-line error lists the rules."""
    try:
        return ScoringRule(value)
    except ValueError:
        raise ConfigError(f"scoring rule must be one of {', '.join(ScoringRule)}, not {value!r}") from None


def normalised(vectors: FloatMatrix) -> FloatMatrix:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


class Scorer:
    """Scores of users (rows of the embeddings) against every item, in batches."""

    def __init__(self, embeddings: Embeddings, rule: ScoringRule | str = DEFAULT_SCORING) -> None:
        self.embeddings = embeddings
        self.rule = scoring_rule(rule)
        if self.rule is ScoringRule.DOT:
            self._users, self._items = embeddings.user_input, embeddings.item_output
        else:
            self._users, self._items = normalised(embeddings.user_input), normalised(embeddings.item_input)
        self._items_t = np.ascontiguousarray(self._items.T)

    def __call__(self, user_rows: IndexArray) -> npt.NDArray[np.float32]:
        return np.asarray(self._users[user_rows] @ self._items_t, dtype=np.float32)


def similar_items(embeddings: Embeddings, item_id: Any, k: int = 20) -> list[tuple[Any, float]]:
    """The ``k`` items closest to ``item_id`` by cosine of input vectors (the item itself excluded)."""
    row = embeddings.item_rows.get(item_id)
    if row is None:
        raise ConfigError(f"item {item_id!r} has no embedding in this run (it was never walked)")
    vectors = normalised(embeddings.item_input)
    scores = vectors @ vectors[row]
    scores[row] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    return [(embeddings.item_ids[i].item(), float(scores[i])) for i in best]


def recommend_for_user(embeddings: Embeddings, user_id: Any, k: int = 20, rule: ScoringRule = DEFAULT_SCORING,
                       seen: set[Any] | None = None) -> list[tuple[Any, float]]:
    """Top ``k`` items for one user, skipping ``seen`` item ids."""
    row = embeddings.user_rows.get(user_id)
    if row is None:
        raise ConfigError(f"user {user_id!r} has no embedding in this run (no walk visited them)")
    scores = Scorer(embeddings, rule)(np.array([row]))[0]
    if seen:
        rows = [embeddings.item_rows[i] for i in seen if i in embeddings.item_rows]
        scores[rows] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    return [(embeddings.item_ids[i].item(), float(scores[i])) for i in best if np.isfinite(scores[i])]
