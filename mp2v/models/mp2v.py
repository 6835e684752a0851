"""MP2V as a model beside the baselines: walks -> skip-gram -> user . item scores.

``MP2V(params, source).fit(train)`` walks a corpus from its :class:`CorpusSource` (the Neo4j graph with the
split's held-out edges excluded, :class:`GraphWalks`; or the training matrix itself, :class:`MatrixWalks`),
trains SGNS with the project's trainers and scores like every other model (see mp2v/models/base.py). Users
without a vector (no walk reached them) fall back to training popularity; items without one are never
recommended.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError, EvaluationError
from mp2v.graph.model import GraphModel
from mp2v.models.base import BaseRecommender, check_int
from mp2v.models.item2vec import PRODUCTION_PARAMS, Item2Vec
from mp2v.serving.scoring import Scorer
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.torch_options import TorchOptions
from mp2v.training.trainers import train_vectors
from mp2v.types import IndexArray, InteractionMatrix, ScoringRule, Trainer
from mp2v.walks.config import HoldoutExclusion, WalkConfig
from mp2v.walks.csr import HopCsr
from mp2v.walks.memory_engine import walk_matrix
from mp2v.walks.pairs import interleave_pairs

if TYPE_CHECKING:
    from gensim.models import Word2Vec

    from mp2v.db.runner import QueryRunner
    from mp2v.walks.run import CorpusSummary

#: Labels of the users x items graph that :class:`MatrixWalks` walks (token prefixes ``u`` and ``i``).
MATRIX_GRAPH = GraphModel(dataset="matrix", user_label="User", item_label="Item")


@dataclass(frozen=True)
class Corpus:
    """A walk corpus file and what made it (``summary``: the graph walks' full report, when there is one)."""

    path: Path
    engine: str
    walks: int
    tokens: int
    summary: CorpusSummary | None = None


class CorpusSource(Protocol):
    """Where MP2V's walks come from; ids of the training matrix's rows and columns, in order."""

    @property
    def graph(self) -> GraphModel: ...

    @property
    def user_ids(self) -> npt.NDArray[Any]: ...

    @property
    def item_ids(self) -> npt.NDArray[Any]: ...

    def walk(self, train: InteractionMatrix, out: Path, *, progress: bool) -> Corpus: ...


@dataclass(frozen=True)
class GraphWalks:
    """Walk the Neo4j graph with ``walk`` (its metapaths), skipping the split's held-out edges."""

    runner: QueryRunner
    walk_config: WalkConfig
    graph: GraphModel
    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    exclusion: HoldoutExclusion = HoldoutExclusion()

    def walk(self, train: InteractionMatrix, out: Path, *, progress: bool) -> Corpus:
        from mp2v.walks.run import run_walks  # the database side is only needed when walking the graph

        config = replace(self.walk_config, exclude_holdout=self.exclusion)
        summary = run_walks(self.runner, config, out, progress=progress)
        return Corpus(summary.path, summary.engine, summary.walks, summary.tokens, summary)


@dataclass(frozen=True)
class MatrixWalks:
    """Walk the users x items training matrix in memory (User-Item-User...), no database needed."""

    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    walks_per_node: int = 10
    walk_length: int = 20
    #: Step in proportion to the interaction weight (R-MP2V) or uniformly (MP2V).
    weighted: bool = True
    seed: int = 42
    graph: GraphModel = MATRIX_GRAPH

    def __post_init__(self) -> None:
        check_int("MatrixWalks", "walks_per_node", self.walks_per_node, 1)
        check_int("MatrixWalks", "walk_length", self.walk_length, 2)

    def walk(self, train: InteractionMatrix, out: Path, *, progress: bool) -> Corpus:
        n_users, n_items = train.shape
        # Node rows: users 0..n_users-1, then items; one CSR per hop direction over all rows.
        user_to_item = HopCsr(
            indptr=np.concatenate((train.indptr, np.full(n_items, train.indptr[-1]))).astype(np.int64),
            targets=(train.indices + n_users).astype(np.int64),
            cumulative=np.cumsum(train.data, dtype=np.float64))
        by_item = train.tocsc()
        item_to_user = HopCsr(
            indptr=np.concatenate((np.zeros(n_users, np.int64), by_item.indptr)).astype(np.int64),
            targets=by_item.indices.astype(np.int64),
            cumulative=np.cumsum(by_item.data, dtype=np.float64))
        sources = np.flatnonzero(np.diff(train.indptr) > 0).astype(np.int64)
        starts = np.repeat(sources, self.walks_per_node)
        rng = np.random.default_rng(self.seed)
        paths, lengths = walk_matrix([user_to_item, item_to_user], starts, self.walk_length, self.weighted, rng,
                                     n_users + n_items)
        prefixes = self.graph.token_prefixes
        tokens = np.array([f"{prefixes[self.graph.user_label]}:{u}" for u in self.user_ids.tolist()]
                          + [f"{prefixes[self.graph.item_label]}:{i}" for i in self.item_ids.tolist()])
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for row, length in zip(paths, lengths.tolist(), strict=True):
                handle.write(" ".join(tokens[row[:length]].tolist()) + "\n")
        return Corpus(out, "matrix", int(lengths.size), int(lengths.sum()))


@dataclass(frozen=True)
class Mp2vParams:
    """Skip-gram settings, the trainer, the user -> item scoring rule, and the item2vec initialisation."""

    train: TrainConfig = TrainConfig()
    scoring: ScoringRule = ScoringRule.DOT
    #: "gensim"; or the project's numba SGNS with negatives from all tokens ("numba") or from the context
    #: token's node type ("numba-typed", metapath2vec++).
    trainer: Trainer = Trainer.GENSIM
    #: Start item vectors from the production item2vec baseline fitted on the same training matrix.
    initialise_from_item2vec: bool = False
    #: Device, processes and batching of the "torch" / "torch-typed" trainers (ignored by the others).
    torch: TorchOptions = TorchOptions()
    #: Each training interaction as a sentence ``user item``, this many times per epoch, mixed into the walks
    #: (mp2v.walks.pairs); 0: the walks alone.
    interaction_pairs: int = 0

    def __post_init__(self) -> None:
        check_int("Mp2vParams", "interaction_pairs", self.interaction_pairs, 0)
        for name, kind in (("trainer", Trainer), ("scoring", ScoringRule)):
            value = getattr(self, name)
            if value not in {member.value for member in kind}:
                raise ConfigError(f"Mp2vParams: {name}={value!r} is invalid; choose one of "
                                  f"{', '.join(member.value for member in kind)}")
            object.__setattr__(self, name, kind(value))


@dataclass
class TrainingReport:
    """What a fit did, for storing the run: timings, throughput, losses, the corpus, notes."""

    corpus: Corpus
    timings: dict[str, float]
    words_per_second: float
    epoch_losses: list[float]
    notes: list[str] = field(default_factory=list)


class MP2V(BaseRecommender):
    """Metapath2vec recommender on a corpus from a :class:`CorpusSource`."""

    name = "mp2v"
    params_class = Mp2vParams

    def __init__(self, params: Mp2vParams, source: CorpusSource, *, corpus_path: Path | None = None,
                 item2vec: Item2Vec | None = None, progress: bool = False) -> None:
        super().__init__()
        self.params = params
        self.source = source
        #: Where the corpus is written (kept); None: a temporary file, removed after training.
        self.corpus_path = corpus_path
        #: A production item2vec already fitted on the same matrix (reused for the initialisation).
        self.item2vec = item2vec
        self.progress = progress
        self.embeddings: Embeddings | None = None
        self.gensim_model: Word2Vec | None = None
        self.report: TrainingReport | None = None
        self._score_rows: AlignedScores | None = None
        #: Set by use_embeddings for the next fit only.
        self._stored: Embeddings | None = None

    def _fit(self, train: InteractionMatrix) -> None:
        if self._stored is not None:  # use_embeddings: a stored run stands in for walks and training
            self.embeddings, self._stored = self._stored, None
            self._score_rows = self._aligned(self.embeddings, train)
            return
        expected = (len(self.source.user_ids), len(self.source.item_ids))
        if train.shape != expected:
            raise EvaluationError(f"MP2V: the training matrix has shape {train.shape} but its corpus source "
                                  f"names {expected[0]} users and {expected[1]} items; build both from one split")
        started = time.monotonic()
        if self.corpus_path is not None:
            self.report, self.embeddings = self._train_on(train, self.corpus_path)
        else:
            with tempfile.TemporaryDirectory(prefix="mp2v-corpus-") as folder:
                self.report, self.embeddings = self._train_on(train, Path(folder) / "corpus.txt")
        self.report.timings["fit"] = time.monotonic() - started
        self._score_rows = self._aligned(self.embeddings, train)

    def _train_on(self, train: InteractionMatrix, path: Path) -> tuple[TrainingReport, Embeddings]:
        """Walk into ``path`` and train the configured trainer on it."""
        started = time.monotonic()
        corpus = self.source.walk(train, path, progress=self.progress)
        walked = time.monotonic() - started
        initial = self._initial_vectors(train) if self.params.initialise_from_item2vec else None
        config = self.params.train
        corpus_file = corpus.path
        if self.params.interaction_pairs:
            corpus_file = corpus.path.with_name(corpus.path.stem + "-pairs" + corpus.path.suffix)
            graph = self.source.graph
            interleave_pairs(corpus.path, corpus_file, train,
                             np.array([graph.token(graph.user_label, u) for u in self.source.user_ids.tolist()]),
                             np.array([graph.token(graph.item_label, i) for i in self.source.item_ids.tolist()]),
                             repeats=self.params.interaction_pairs, seed=config.seed)
        trained = train_vectors(corpus_file, config, self.params.trainer, self.params.torch,
                                initial_vectors=initial, progress=self.progress)
        if corpus_file != corpus.path:
            corpus_file.unlink(missing_ok=True)  # the walks are kept; the pairs are rebuilt from the matrix
        if trained.gensim_model is not None:
            self.gensim_model = trained.gensim_model
        embeddings = Embeddings.from_tokens(trained.tokens, trained.inputs, trained.outputs, self.source.graph)
        return TrainingReport(corpus, {"walks": walked, "train": trained.seconds}, trained.words_per_second,
                              trained.epoch_losses, trained.notes), embeddings

    def _initial_vectors(self, train: InteractionMatrix) -> dict[str, np.ndarray]:
        baseline = self.item2vec
        if baseline is None:
            params = replace(PRODUCTION_PARAMS, dim=self.params.train.dimensions, seed=self.params.train.seed)
            baseline = Item2Vec(params).fit(train)
        prefix = self.source.graph.token_prefixes[self.source.graph.item_label]
        return {f"{prefix}:{item}": baseline.item_vectors[col]
                for col, item in enumerate(self.source.item_ids.tolist()) if baseline.item_in_vocabulary[col]}

    def use_embeddings(self, embeddings: Embeddings, train: InteractionMatrix) -> MP2V:
        """Fitted from a stored run's ``embeddings`` (no walks, no training) on the same ``train``."""
        self._stored = embeddings
        return self.fit(train)

    def _aligned(self, embeddings: Embeddings, train: InteractionMatrix) -> AlignedScores:
        return AlignedScores(embeddings, self.params.scoring, self.source.user_ids, self.source.item_ids, train)

    @property
    def notes(self) -> list[str]:
        """Users ranked by popularity and items never recommended, for the report."""
        return self._score_rows.notes if self._score_rows is not None else []

    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]:
        if self._score_rows is None:
            raise EvaluationError("MP2V: call fit(train) before scoring")
        return self._score_rows(users)


class AlignedScores:
    """Scores in the matrix's user/item order from embeddings keyed by ids: items without a vector get
    ``-inf``; users without one get the training popularity (``notes`` says how many of each)."""

    def __init__(self, embeddings: Embeddings, rule: ScoringRule, user_ids: npt.NDArray[Any],
                 item_ids: npt.NDArray[Any], train: InteractionMatrix) -> None:
        self.scorer = Scorer(embeddings, rule)
        self.user_rows = np.array([embeddings.user_rows.get(u, -1) for u in user_ids.tolist()], np.int64)
        self.item_rows = np.array([embeddings.item_rows.get(i, -1) for i in item_ids.tolist()], np.int64)
        self.known_items = self.item_rows >= 0
        self.popularity = np.asarray((train != 0).sum(axis=0), dtype=np.float32).ravel()
        self.notes: list[str] = []
        missing_users = int((self.user_rows < 0).sum())
        if missing_users:
            self.notes.append(f"{missing_users} users have no embedding and are ranked by popularity")
        if (~self.known_items).any():
            self.notes.append(f"{int((~self.known_items).sum())} items have no embedding and are never recommended")

    def __call__(self, users: IndexArray) -> npt.NDArray[np.float32]:
        rows = self.user_rows[users]
        result = np.full((users.size, self.item_rows.size), -np.inf, dtype=np.float32)
        with_vector = rows >= 0
        if with_vector.any():
            result[np.ix_(with_vector, self.known_items)] = \
                self.scorer(rows[with_vector])[:, self.item_rows[self.known_items]]
        if (~with_vector).any():
            result[~with_vector] = self.popularity
        return result
