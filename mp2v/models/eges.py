r"""EGES and its mean variant behind the Recommender interface: side-information-aware skip-gram on walks.

Each item's input vector is :math:`H_v`, a per-item softmax-weighted combination of its own vector and the
vectors of its strongest ``max_side`` side-information features (mp2v/training/eges_sgns.py), trained on the
project's walks from any :class:`~mp2v.models.mp2v.CorpusSource` (the Neo4j graph along metapaths such as
``User-LISTENED->Artist<-LISTENED-User`` plus ``Artist-HAS_TAG->Tag<-HAS_TAG-Artist``, or the matrices in
memory). ``aggregation="mean"`` is the paper's simple variant (equal weights).

Scores: :math:`s(u, v) = H_v \cdot u'_u`, the SGNS score of user ``u`` in the context of item ``v`` (``u'`` the
user's output vector). Unlike MP2V's ``v_u . u'_v`` it needs no item output vector, so a cold-start item, whose
:math:`H` comes from its side information alone (the mean of its features' vectors, as in the paper), is
scored like any other. The run therefore stores each user's output vector as its query (``user_input``) and
:math:`H` as both item vectors: the project's ``dot`` scoring and vector-index serving then compute exactly
:math:`s`.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import Embeddings, RunStore, StoredRun
from mp2v.errors import ConfigError, EvaluationError
from mp2v.graph.side_info import SideInfo
from mp2v.models.base import BaseRecommender, check_int
from mp2v.models.mp2v import AlignedScores, Corpus, CorpusSource
from mp2v.training.eges_sgns import EgesTrainResult, train_eges
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.types import FloatMatrix, IndexArray, InteractionMatrix, ScoringRule

#: Features a cold item's vector averages when the model aggregates none (``max_side=0``).
COLD_FEATURES = 5


class Aggregation(StrEnum):
    """How an item's slots combine: learned per-item weights (EGES) or their plain mean (GES)."""

    ATTENTION = "attention"
    MEAN = "mean"


@dataclass(frozen=True)
class EgesParams:
    train: TrainConfig = TrainConfig()
    aggregation: Aggregation = Aggregation.ATTENTION
    #: Side-information slots per item (its strongest features by relationship weight).
    max_side: int = 5

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "aggregation", Aggregation(self.aggregation))
        except ValueError:
            raise ConfigError(f"EgesParams: aggregation={self.aggregation!r} is invalid; choose one of "
                              f"{', '.join(Aggregation)}") from None
        check_int("EgesParams", "max_side", self.max_side, 0)


class EGES(BaseRecommender):
    """Enhanced Graph Embedding with Side information (Wang et al. 2018) on the project's walks."""

    name = "eges"
    params_class = EgesParams

    def __init__(self, params: EgesParams, source: CorpusSource, side: SideInfo, *,
                 corpus_path: Path | None = None) -> None:
        super().__init__()
        self.params = params
        self.source = source
        aligned = side.aligned(source.item_ids)
        graph = source.graph
        # Feature tokens must be spelled as the walks spell them, or walked and aggregated features would split.
        prefix = graph.token_prefixes[graph.feature_label] if graph.feature_label else aligned.prefix
        self.side = replace(aligned, prefix=prefix)
        self.corpus_path = corpus_path
        self.corpus: Corpus | None = None
        self.result: EgesTrainResult | None = None
        self.embeddings: Embeddings | None = None
        self.side_vectors: SideVectors | None = None
        self._score_rows: AlignedScores | None = None

    def _fit(self, train: InteractionMatrix) -> None:
        expected = (len(self.source.user_ids), len(self.source.item_ids))
        if train.shape != expected:
            raise EvaluationError(f"EGES: the training matrix has shape {train.shape} but its corpus source names "
                                  f"{expected[0]} users and {expected[1]} items; build both from one split")
        if self.corpus_path is not None:
            self._train_on(train, self.corpus_path)
        else:
            with tempfile.TemporaryDirectory(prefix="mp2v-eges-") as folder:
                self._train_on(train, Path(folder) / "corpus.txt")
        if self.embeddings is None:
            raise EvaluationError("EGES: training produced no embeddings")
        self._score_rows = AlignedScores(self.embeddings, ScoringRule.DOT, self.source.user_ids,
                                         self.source.item_ids, train)

    def _train_on(self, train: InteractionMatrix, path: Path) -> None:
        self.corpus = self.source.walk(train, path, progress=False)
        graph = self.source.graph
        prefixes = graph.token_prefixes
        item_prefix, user_prefix = prefixes[graph.item_label], prefixes[graph.user_label]
        feature_tokens = self.side.feature_tokens
        slots = self.side.top_features(self.params.max_side)
        mapping = {f"{item_prefix}:{item}": [feature_tokens[c] for c in cols.tolist()]
                   for item, cols in zip(self.side.item_ids.tolist(), slots, strict=True) if cols.size}
        self.result = result = train_eges(path, self.params.train, mapping,
                                          attention=self.params.aggregation is Aggregation.ATTENTION,
                                          max_side=self.params.max_side)
        index = {token: row for row, token in enumerate(result.tokens)}
        users = [(u, index[f"{user_prefix}:{u}"]) for u in self.source.user_ids.tolist()
                 if f"{user_prefix}:{u}" in index]
        items = [(i, index[f"{item_prefix}:{i}"]) for i in self.source.item_ids.tolist()
                 if f"{item_prefix}:{i}" in index]
        user_rows = np.array([r for _, r in users], dtype=np.int64)
        item_rows = np.array([r for _, r in items], dtype=np.int64)
        hidden = result.aggregated(item_rows)
        self.embeddings = Embeddings(
            user_ids=np.array([u for u, _ in users]), item_ids=np.array([i for i, _ in items]),
            user_input=result.outputs[user_rows], item_input=hidden,
            user_output=result.inputs[user_rows], item_output=hidden)
        self.side_vectors = self._side_vectors(result, index, [i for i, _ in items], item_rows)

    def _side_vectors(self, result: EgesTrainResult, index: dict[str, int], item_ids: list[Any],
                      item_rows: IndexArray) -> SideVectors:
        tokens = self.side.feature_tokens
        vectors = np.zeros((len(tokens), self.params.train.dimensions), dtype=np.float32)
        column_of_row = {}
        for col, token in enumerate(tokens):
            if token in index:
                vectors[col] = result.inputs[index[token]]
                column_of_row[index[token]] = col
        slot_rows = result.slots[item_rows][:, 1:]
        slot_features = np.vectorize(lambda r: column_of_row.get(int(r), -1), otypes=[np.int64])(slot_rows) \
            if slot_rows.size else np.zeros(slot_rows.shape, dtype=np.int64)
        logits = result.logits[item_rows]
        valid = result.slots[item_rows] >= 0
        weights = np.where(valid, np.exp(logits - np.where(valid, logits, -np.inf).max(axis=1, keepdims=True)), 0)
        weights = (weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)).astype(np.float32)
        return SideVectors(feature_ids=self.side.feature_ids, feature_names=np.array(self.side.feature_names, str),
                           feature_vectors=vectors, item_ids=np.array(item_ids), slot_features=slot_features,
                           slot_weights=weights)

    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]:
        if self._score_rows is None:
            raise EvaluationError("EGES: call fit(train) before scoring")
        return self._score_rows(users)

    def item_vectors(self, columns: IndexArray) -> tuple[FloatMatrix, npt.NDArray[np.bool_]]:
        """:math:`H` of the items at ``columns`` of the training matrix: trained items' own, cold items' from
        their side information alone; and which columns got a vector at all."""
        if self.embeddings is None or self.side_vectors is None:
            raise EvaluationError("EGES: call fit(train) before asking for item vectors")
        rows = self.embeddings.item_rows
        result = np.zeros((columns.size, self.embeddings.dimensions), dtype=np.float32)
        found = np.zeros(columns.size, dtype=bool)
        features = self.side.top_features(self.params.max_side or COLD_FEATURES)
        for n, col in enumerate(columns.tolist()):
            item = self.source.item_ids[col].item()
            if item in rows:
                result[n], found[n] = self.embeddings.item_input[rows[item]], True
            else:
                vector = cold_item_vector(self.side_vectors, features[col])
                if vector is not None:
                    result[n], found[n] = vector, True
        return result, found

    def user_context(self, users: IndexArray) -> FloatMatrix:
        """Users' output vectors (zeros for users no walk reached), the factor of :math:`s(u, v)`."""
        if self._score_rows is None or self.embeddings is None:
            raise EvaluationError("EGES: call fit(train) before asking for user vectors")
        rows = self._score_rows.user_rows[users]
        result = np.zeros((users.size, self.embeddings.dimensions), dtype=np.float32)
        result[rows >= 0] = self.embeddings.user_input[rows[rows >= 0]]
        return result

    def save(self, store: RunStore, method: str, metadata: dict[str, Any]) -> StoredRun:
        """Store the run (embeddings + ``side.npz``) with its parameters and corpus."""
        if self.embeddings is None or self.side_vectors is None or self.result is None or self.corpus is None:
            raise EvaluationError("EGES: call fit(train) before saving")
        params = {"train": asdict(self.params.train), "aggregation": str(self.params.aggregation),
                  "max_side": self.params.max_side}
        stored = store.save(method, self.embeddings, {
            **metadata, "scoring": "dot", "params": params, "epoch_losses": self.result.epoch_losses,
            "timings": {"train": self.result.seconds}, "corpus_walks": self.corpus.walks,
            "corpus_tokens": self.corpus.tokens, "walk_engine": self.corpus.engine, "side_information": True})
        self.side_vectors.save(stored.path)
        return stored


def cold_item_vector(side: SideVectors, columns: IndexArray) -> FloatMatrix | None:
    """An item vector from side information alone: the mean of the known features' vectors (None: none known)."""
    known = columns[side.known_features[columns]] if columns.size else columns
    if known.size == 0:
        return None
    return np.asarray(side.feature_vectors[known].mean(axis=0), dtype=np.float32)
