"""The one contract every model keeps (mp2v/models/base.py), checked on every model, MP2V included.

Shape and float32 dtype, ``-inf`` for cold items, rows in the order of ``users``, the same top-10 for the same
seed, and :class:`EvaluationError` for user indices outside the training matrix. Multi-threaded trainers run
with one worker so that a seed fixes their result. LightGCN needs torch: it carries the ``gnn`` marker.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from mp2v.errors import EvaluationError
from mp2v.models import (
    BPR,
    EASE,
    IALS,
    MP2V,
    BPRParams,
    EASEParams,
    IALSParams,
    Item2Vec,
    Item2VecParams,
    ItemKNN,
    KNNParams,
    MatrixWalks,
    Mp2vParams,
    Popularity,
    PopularityParams,
    Recommender,
    RP3beta,
    RP3betaParams,
    UserKNN,
)
from mp2v.training.gensim_sgns import TrainConfig

N_USERS, N_ITEMS = 24, 18
#: Columns no user interacted with: every model must score them -inf.
COLD = (5, 17)


def _mp2v(trainer: str, interaction_pairs: int = 0) -> Recommender:
    walks = MatrixWalks(np.arange(N_USERS), np.arange(N_ITEMS), walks_per_node=4, walk_length=12, seed=3)
    params = Mp2vParams(train=TrainConfig(dimensions=8, window=2, epochs=2, workers=1, seed=3),
                        trainer=trainer, interaction_pairs=interaction_pairs)  # type: ignore[arg-type]
    return MP2V(params, walks)


def _eges() -> Recommender:
    from mp2v.graph.side_info import SideInfo
    from mp2v.models.eges import EGES, EgesParams
    from mp2v.walks.side_matrix import SideMatrixWalks

    features = sp.csr_matrix((np.arange(N_ITEMS)[:, None] % 4 == np.arange(4)[None, :]).astype(np.float32))
    side = SideInfo(np.arange(N_ITEMS), np.arange(4), ("a", "b", "c", "d"), features)
    walks = SideMatrixWalks(np.arange(N_USERS), np.arange(N_ITEMS), features, side.feature_ids, walks_per_node=4,
                            side_walks_per_node=2, walk_length=12, seed=3)
    return EGES(EgesParams(train=TrainConfig(dimensions=8, window=2, epochs=2, workers=1, seed=3)), walks, side)


def _lightgcn() -> Recommender:
    pytest.importorskip("torch")
    from mp2v.models.lightgcn import LightGCN, LightGCNParams

    return LightGCN(LightGCNParams(dim=8, layers=2, epochs=3, batch_size=64, seed=3, threads=1))


MODELS: dict[str, Callable[[], Recommender]] = {
    "popularity": lambda: Popularity(PopularityParams()),
    "userknn": lambda: UserKNN(KNNParams(k=5)),
    "itemknn": lambda: ItemKNN(KNNParams(k=5)),
    "rp3beta": lambda: RP3beta(RP3betaParams(top_k=5)),
    "ease": lambda: EASE(EASEParams(l2=10.0)),
    "ials": lambda: IALS(IALSParams(factors=4, iterations=3, random_state=3, num_threads=1)),
    "bpr": lambda: BPR(BPRParams(factors=4, iterations=5, random_state=3, num_threads=1)),
    "item2vec": lambda: Item2Vec(Item2VecParams(dim=8, window=2, epochs=2, seed=3, workers=1, shuffles=1)),
    "mp2v-gensim": lambda: _mp2v("gensim"),
    "mp2v-numba": lambda: _mp2v("numba"),
    "mp2v-interaction-pairs": lambda: _mp2v("gensim", interaction_pairs=2),
    "eges": _eges,
}
PARAMS = [pytest.param(name, id=name) for name in MODELS]
PARAMS.append(pytest.param("lightgcn", id="lightgcn", marks=pytest.mark.gnn))
MODELS["lightgcn"] = _lightgcn


def train_matrix() -> sp.csr_matrix:
    """Random counts, every user with a few items, the COLD columns empty."""
    rng = np.random.default_rng(11)
    dense = (rng.random((N_USERS, N_ITEMS)) < 0.3) * rng.integers(1, 6, (N_USERS, N_ITEMS))
    dense[np.arange(N_USERS), rng.integers(0, N_ITEMS, N_USERS)] = 2  # nobody without an interaction
    dense[:, list(COLD)] = 0
    return sp.csr_matrix(dense.astype(np.float32))


def fitted(name: str) -> Recommender:
    return MODELS[name]().fit(train_matrix())


@pytest.mark.parametrize("name", PARAMS)
def test_scores_are_float32_users_by_items(name: str) -> None:
    scores = fitted(name).score(np.arange(N_USERS))
    assert scores.shape == (N_USERS, N_ITEMS) and scores.dtype == np.float32
    assert fitted(name).score(np.array([], dtype=np.int64)).shape == (0, N_ITEMS)


@pytest.mark.parametrize("name", PARAMS)
def test_cold_items_score_minus_infinity(name: str) -> None:
    scores = fitted(name).score(np.arange(N_USERS))
    assert np.all(scores[:, list(COLD)] == -np.inf)
    warm = np.setdiff1d(np.arange(N_ITEMS), COLD)
    assert np.isfinite(scores[:, warm]).any(axis=1).all()  # every user has something to be recommended


@pytest.mark.parametrize("name", PARAMS)
def test_rows_follow_the_order_of_users(name: str) -> None:
    # Equal up to float32 rounding: BLAS may sum a product of another shape in another order.
    model = fitted(name)
    assert_allclose(model.score(np.array([2, 0])), model.score(np.array([0, 2]))[::-1], rtol=1e-5, atol=0)
    assert_allclose(model.score(np.array([7, 7]))[0], model.score(np.array([7]))[0], rtol=1e-5, atol=0)


@pytest.mark.parametrize("name", PARAMS)
def test_the_same_seed_gives_the_same_top_ten(name: str) -> None:
    users = np.arange(N_USERS)
    first = np.argsort(-fitted(name).score(users), axis=1, kind="stable")[:, :10]
    again = np.argsort(-fitted(name).score(users), axis=1, kind="stable")[:, :10]
    assert_array_equal(first, again)


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("users", [[N_USERS], [-1], [0, N_USERS + 3], [[0, 1]], [0.5]],
                         ids=["past-the-end", "negative", "one-bad", "two-dimensional", "float"])
def test_bad_user_indices_raise_evaluation_error(name: str, users: list[object]) -> None:
    model = fitted(name)
    with pytest.raises(EvaluationError):
        model.score(np.array(users))


@pytest.mark.parametrize("name", PARAMS)
def test_scoring_before_fit_raises_evaluation_error(name: str) -> None:
    with pytest.raises(EvaluationError):
        MODELS[name]().score(np.arange(2))


def test_mp2v_scores_users_without_a_walk_by_popularity() -> None:
    # A user's only item is cold for the walker once its walks are cut to length 2 from other users:
    # MatrixWalks starts walks from every user, so instead give the user no interaction at all.
    train = train_matrix().tolil()
    train[3, :] = 0
    model = _mp2v("gensim").fit(train.tocsr())
    assert isinstance(model, MP2V)
    popularity = np.asarray((train.tocsr() != 0).sum(axis=0), dtype=np.float32).ravel()
    warm = np.setdiff1d(np.arange(N_ITEMS), COLD)
    assert_array_equal(model.score(np.array([3]))[0, warm], popularity[warm])
    assert any("popularity" in note for note in model.notes)
