r"""item2vec (Barkan & Koenigstein 2016; SoundCloud's production baseline): word2vec over listening histories.

Each user's history is a "sentence" of item tokens, in timestamp order when timestamps are given, otherwise
a seeded shuffle repeated ``shuffles`` times (so the context window sees different item pairs). gensim's
skip-gram with negative sampling learns item input vectors :math:`v_i` (``min_count=1``). Then

.. math:: q_u = \frac{\sum_i w_{ui} v_i}{\sum_i w_{ui}}, \qquad s_{ui} = \cos(q_u, v_i),

with :math:`w_{ui}` from ``weighting`` (``uniform`` = 1, ``raw`` = :math:`x_{ui}`, ``log1p``).
Sentences are streamed from the CSR rows by a restartable iterable; no list of sentences is built.
Reproducible from ``seed`` with ``workers=1`` (more workers are faster but thread-order dependent).

Known behaviour: cosine scoring ignores popularity and favours long-tail items. On Last.fm (random 80/20
split) with word2vec's usual settings (``Item2VecParams()``: window 10, ns_exponent 0.75, 10 epochs) the item
neighbourhoods are sensible (Metallica -> Slipknot, Guns N' Roses, Megadeth) but the median training
popularity of a user's top-20 is 1 and recall@20 is about 0.01 (popularity: 0.10). The project therefore
runs the baseline with :data:`PRODUCTION_PARAMS`, the settings ``mp2v benchmark`` chose on Last.fm
validation: negatives drawn towards rare items (ns_exponent -1) push rare items away from every user, which
gives the cosine score the popularity prior it lacks (recall@20 about 0.13).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from gensim.models import Word2Vec

from mp2v.errors import EvaluationError
from mp2v.models.base import (
    BaseRecommender,
    InputTransform,
    check_choice,
    check_float,
    check_int,
    check_users,
)
from mp2v.types import FloatMatrix, IndexArray, InteractionMatrix, Token

Item2VecWeighting = Literal["uniform", "raw", "log1p"]
#: gensim silently truncates longer sentences, so longer histories are cut into pieces of this size.
MAX_SENTENCE_LENGTH = 10_000


@dataclass(frozen=True)
class Item2VecParams:
    """gensim ``Word2Vec`` settings (``dim`` = ``vector_size``) plus ``shuffles`` and the user ``weighting``."""

    dim: int = 64
    window: int = 10
    negative: int = 5
    ns_exponent: float = 0.75
    epochs: int = 10
    alpha: float = 0.025
    sample: float = 1e-3
    seed: int = 0
    workers: int = 1
    shuffles: int = 5
    weighting: Item2VecWeighting = "uniform"

    def __post_init__(self) -> None:
        owner = "Item2VecParams"
        for field in ("dim", "window", "negative", "epochs", "workers", "shuffles"):
            check_int(owner, field, getattr(self, field), 1)
        check_int(owner, "seed", self.seed, 0)
        check_float(owner, "ns_exponent", self.ns_exponent, -10.0)
        check_float(owner, "alpha", self.alpha, 0.0, strict=True)
        check_float(owner, "sample", self.sample, 0.0)
        check_choice(owner, "weighting", self.weighting, ("uniform", "raw", "log1p"))


#: The production baseline as the project runs it (evaluate, demo, MP2V's item2vec initialisation): the
#: settings ``mp2v benchmark`` found on Last.fm validation (results/lastfm.md). Validation is flat in
#: ns_exponent from -3 to -0.5 (Recall@20 .1511-.1516), so the search's own pick may sit elsewhere on that
#: plateau; window 1 and 2 epochs are sharp optima (window 2: .092, 3 epochs: .087).
PRODUCTION_PARAMS = Item2VecParams(dim=128, window=1, ns_exponent=-1.0, epochs=2, shuffles=5, weighting="log1p",
                                   workers=2, seed=42)


def items_by_time(train: InteractionMatrix, timestamps: InteractionMatrix) -> IndexArray:
    """``train.indices`` re-ordered by timestamp within each row (stable; a missing timestamp counts as 0)."""
    items = train.indices.astype(np.int64)
    rows = np.repeat(np.arange(train.shape[0]), np.diff(train.indptr))
    times = np.asarray(sp.csr_matrix(timestamps)[rows, items], dtype=np.float64).ravel()
    return items[np.lexsort((times, rows))]


class UserHistoryCorpus:
    """Restartable iterable of sentences (lists of item tokens ``"0"``, ``"1"``, ...) over CSR rows.

    Every pass (gensim makes one for the vocabulary and one per epoch) yields the same sentences: with an
    ``item_sequence`` (items per row in timestamp order) each history once; otherwise ``shuffles`` rounds of
    one seeded random permutation per history.
    """

    def __init__(
        self,
        indptr: npt.NDArray[np.integer],
        item_sequence: IndexArray,
        *,
        ordered: bool,
        shuffles: int,
        seed: int,
    ) -> None:
        self.indptr = indptr
        self.item_sequence = item_sequence
        self.ordered = ordered
        self.shuffles = shuffles
        self.seed = seed

    def __iter__(self) -> Iterator[list[Token]]:
        rng = np.random.default_rng(self.seed)
        for _ in range(1 if self.ordered else self.shuffles):
            for user in range(len(self.indptr) - 1):
                items = self.item_sequence[self.indptr[user] : self.indptr[user + 1]]
                if not self.ordered:
                    items = rng.permutation(items)
                for start in range(0, items.size, MAX_SENTENCE_LENGTH):
                    yield [str(item) for item in items[start : start + MAX_SENTENCE_LENGTH]]


class Item2Vec(BaseRecommender):
    """item2vec; after fit, ``item_vectors`` (items x dim, zero rows where ``~item_in_vocabulary``)."""

    name = "item2vec"
    params_class: ClassVar[type[Item2VecParams]] = Item2VecParams

    def __init__(self, params: Item2VecParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else Item2VecParams()
        self.item_vectors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        self.item_in_vocabulary: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._timestamps: InteractionMatrix | None = None
        self._user_weights: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._unit_item_vectors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)

    def fit(self, train: InteractionMatrix, timestamps: InteractionMatrix | None = None) -> Self:
        """Fit; ``timestamps`` (same shape, a time per stored pair; missing = 0, sorts first) orders histories."""
        expected_shape = getattr(train, "shape", None)
        if timestamps is not None and (not sp.issparse(timestamps) or timestamps.shape != expected_shape):
            raise EvaluationError(
                "item2vec: timestamps must be a scipy.sparse matrix with the shape of the training matrix "
                f"{expected_shape}, holding the interaction time of each stored (user, item) pair"
            )
        self._timestamps = timestamps
        super().fit(train)
        return self

    def _fit(self, train: InteractionMatrix) -> None:
        ordered = self._timestamps is not None
        if self._timestamps is not None:
            sequence = items_by_time(train, self._timestamps)
        else:
            sequence = train.indices.astype(np.int64)
        corpus = UserHistoryCorpus(
            train.indptr, sequence, ordered=ordered, shuffles=self.params.shuffles, seed=self.params.seed
        )
        model = Word2Vec(
            vector_size=self.params.dim,
            window=self.params.window,
            min_count=1,
            sg=1,
            hs=0,
            negative=self.params.negative,
            ns_exponent=self.params.ns_exponent,
            alpha=self.params.alpha,
            sample=self.params.sample,
            seed=self.params.seed,
            workers=self.params.workers,
            epochs=self.params.epochs,
        )
        model.build_vocab(corpus)
        model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
        known = np.fromiter((int(key) for key in model.wv.index_to_key), dtype=np.int64)
        self.item_vectors = np.zeros((train.shape[1], self.params.dim), dtype=np.float32)
        self.item_vectors[known] = model.wv.vectors
        self.item_in_vocabulary = np.zeros(train.shape[1], dtype=bool)
        self.item_in_vocabulary[known] = True
        norms = np.linalg.norm(self.item_vectors, axis=1, keepdims=True)
        self._unit_item_vectors = np.divide(
            self.item_vectors, norms, out=np.zeros_like(self.item_vectors), where=norms > 0
        )
        kind = "binary" if self.params.weighting == "uniform" else self.params.weighting
        weights = InputTransform(kind).apply(train)
        self._user_weights = sp.csr_matrix(weights @ sp.diags(self.item_in_vocabulary.astype(np.float32)))

    def user_vectors(self, users: IndexArray) -> FloatMatrix:
        r""":math:`q_u = \sum_i w_{ui} v_i / \sum_i w_{ui}` (zero for a user with no known items)."""
        rows = check_users(users, self.n_users)
        weights = self._user_weights[rows]
        totals = np.asarray(weights.sum(axis=1), dtype=np.float32)
        summed = np.asarray(weights @ self.item_vectors, dtype=np.float32)
        return np.divide(summed, totals, out=np.zeros_like(summed), where=totals > 0)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        vectors = self.user_vectors(users)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return unit @ self._unit_item_vectors.T
