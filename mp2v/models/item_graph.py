"""Item-to-item models: item vectors, their cosine neighbours, and the item-graph walk method that makes them.

The item-graph method (recsys-nlp-graph): weighted ``CO_CONSUMED`` edges between items are built in Neo4j from
the training interactions (:mod:`mp2v.graph.co_consumed`), walked with the project's engines in proportion to
their weight (``Item-CO_CONSUMED->Item``, walks from every item), and word2vec on those walks gives the item
vectors. Any method with item vectors (MP2V, item2vec, EGES ...) becomes an :class:`ItemVectors` to compare.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mp2v.embeddings.store import Embeddings
from mp2v.errors import EvaluationError
from mp2v.evaluation.item_pairs import unit_rows
from mp2v.graph.co_consumed import ItemGraphConfig, ItemGraphSummary, build_item_graph
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import GraphModel
from mp2v.models.base import check_int
from mp2v.training.gensim_sgns import TrainConfig, input_vectors
from mp2v.types import FloatMatrix
from mp2v.walks.config import EngineChoice, HoldoutExclusion, StartNodes, WalkConfig

if TYPE_CHECKING:
    from mp2v.db.runner import QueryRunner


@dataclass(frozen=True)
class ItemVectors:
    """One vector per item id (rows in ``item_ids`` order); compared by cosine."""

    item_ids: npt.NDArray[Any]
    vectors: FloatMatrix

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.item_ids):
            raise EvaluationError(f"ItemVectors: {len(self.item_ids)} ids but vectors of shape {self.vectors.shape}")

    def aligned(self, item_ids: npt.NDArray[Any]) -> tuple[FloatMatrix, npt.NDArray[np.bool_]]:
        """Vectors in the order of ``item_ids`` (zero rows for unknown ids) and which ids are known."""
        position = {item: row for row, item in enumerate(self.item_ids.tolist())}
        rows = np.array([position.get(item, -1) for item in item_ids.tolist()], dtype=np.int64)
        known = rows >= 0
        out = np.zeros((len(item_ids), self.vectors.shape[1]), dtype=np.float32)
        out[known] = self.vectors[rows[known]]
        return out, known

    def neighbours(self, item_id: Any, k: int = 10) -> list[tuple[Any, float]]:
        """The ``k`` items most similar to ``item_id`` (cosine), best first, without the item itself."""
        rows = np.flatnonzero(self.item_ids == item_id)
        if rows.size == 0:
            raise EvaluationError(f"item {item_id!r} has no vector; pick an item that occurs in the training data")
        unit = unit_rows(self.vectors)
        scores = unit @ unit[rows[0]]
        scores[rows[0]] = -np.inf
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.item_ids[i].item() if hasattr(self.item_ids[i], "item") else self.item_ids[i],
                 float(scores[i])) for i in order]

    @classmethod
    def from_embeddings(cls, embeddings: Embeddings) -> ItemVectors:
        """The input (word2vec ``v``) vectors of a run's items."""
        return cls(np.asarray(embeddings.item_ids), np.asarray(embeddings.item_input, dtype=np.float32))

    @classmethod
    def from_columns(cls, item_ids: npt.NDArray[Any], vectors: FloatMatrix,
                     known: npt.NDArray[np.bool_]) -> ItemVectors:
        """Vectors of a matrix model whose rows are item columns; only ``known`` rows are kept."""
        return cls(np.asarray(item_ids)[known], np.asarray(vectors, dtype=np.float32)[known])


@dataclass(frozen=True)
class ItemGraphParams:
    """The item graph, its walks (weighted by co-consumption) and the skip-gram on them."""

    graph: ItemGraphConfig = ItemGraphConfig()
    walks_per_node: int = 10
    walk_length: int = 40
    weighted: bool = True
    seed: int = 42
    engine: EngineChoice = EngineChoice.AUTO
    train: TrainConfig = field(default_factory=lambda: TrainConfig(window=5))

    def __post_init__(self) -> None:
        check_int("ItemGraphParams", "walks_per_node", self.walks_per_node, 1)
        check_int("ItemGraphParams", "walk_length", self.walk_length, 2)


@dataclass
class ItemGraphResult:
    vectors: ItemVectors
    graph: ItemGraphSummary
    walks: int
    timings: dict[str, float]


def item_graph_walk_config(model: GraphModel, params: ItemGraphParams) -> WalkConfig:
    """Walks along ``Item-CO_CONSUMED->Item`` from every item (held-out edges are not in this graph at all)."""
    metapath = parse_metapath(f"{model.item_label}-{params.graph.rel_type}->{model.item_label}")
    return WalkConfig(metapaths=(metapath,), walks_per_node=params.walks_per_node, walk_length=params.walk_length,
                      start=StartNodes.ITEMS, weighted=params.weighted, seed=params.seed, engine=params.engine)


def fit_item_graph(runner: QueryRunner, model: GraphModel, params: ItemGraphParams = ItemGraphParams(), *,
                   exclusion: HoldoutExclusion = HoldoutExclusion(), corpus_path: Path | None = None,
                   progress: bool = False) -> ItemGraphResult:
    """Build the co-consumption graph from the training interactions, walk it and train word2vec on the walks."""
    from mp2v.training import gensim_sgns
    from mp2v.walks.run import run_walks

    started = time.monotonic()
    summary = build_item_graph(runner, model, params.graph, exclusion)
    if summary.edges == 0:
        raise EvaluationError("the item graph has no edges: no two items share a user in the training data")
    built = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mp2v-itemgraph-") as folder:
        path = corpus_path or Path(folder) / "item-graph.txt"
        corpus = run_walks(runner, item_graph_walk_config(model, params), path, progress=progress)
        walked = time.monotonic()
        result = gensim_sgns.train(corpus.path, params.train, progress=progress)
    tokens, inputs, outputs = input_vectors(result.model)
    embeddings = Embeddings.from_tokens(tokens, inputs, outputs, model)
    timings = {"graph": built - started, "walks": walked - built, "train": result.seconds,
               "fit": time.monotonic() - started}
    return ItemGraphResult(ItemVectors.from_embeddings(embeddings), summary, corpus.walks, timings)

