"""item2vec: streamed corpus, planted communities, and the weighted-average user vector."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from mp2v.models import Item2Vec, Item2VecParams, UserHistoryCorpus
from mp2v.models.base import COLD_ITEM_SCORE
from mp2v.models.item2vec import items_by_time

N_USERS, N_ITEMS = 60, 21  # users 0-29 play items 0-9, users 30-59 items 10-19; item 20 is never played


def two_communities() -> sp.csr_matrix:
    rng = np.random.default_rng(2)
    dense = np.zeros((N_USERS, N_ITEMS), dtype=np.float32)
    for user in range(N_USERS):
        block = 0 if user < 30 else 10
        items = block + rng.choice(10, size=6, replace=False)
        dense[user, items] = rng.integers(1, 20, size=6)
    return sp.csr_matrix(dense)


PARAMS = Item2VecParams(dim=8, window=5, epochs=20, shuffles=3, sample=0.0, seed=1, weighting="raw")


def test_corpus_is_restartable_seeded_and_follows_timestamps() -> None:
    # Rows: user 0 -> items [2, 5, 7], user 1 -> [] , user 2 -> [1].
    indptr = np.array([0, 3, 3, 4])
    items = np.array([2, 5, 7, 1])
    shuffled = UserHistoryCorpus(indptr, items, ordered=False, shuffles=2, seed=9)
    first, second = list(shuffled), list(shuffled)
    assert first == second  # every gensim pass sees the same sentences
    assert len(first) == 4  # 2 rounds x 2 non-empty users
    assert sorted(first[0]) == ["2", "5", "7"] and first[1] == ["1"]
    ordered = UserHistoryCorpus(indptr, items, ordered=True, shuffles=5, seed=9)
    assert list(ordered) == [["2", "5", "7"], ["1"]]  # in the given order, once


def test_timestamps_order_the_histories() -> None:
    train = sp.csr_matrix(np.array([[1, 1, 1, 0], [0, 1, 0, 1]], dtype=np.float32))
    # user 0 played item 2 first (t=5), then 0 (t=7), then 1 (t=9); user 1 played 3 (t=1) before 1 (t=4)
    times = sp.csr_matrix(np.array([[7, 9, 5, 0], [0, 4, 0, 1]], dtype=np.float64))
    assert items_by_time(train, times).tolist() == [2, 0, 1, 3, 1]
    fitted = Item2Vec(Item2VecParams(dim=4, epochs=1)).fit(train, timestamps=times)
    assert fitted.score(np.array([0, 1])).shape == (2, 4)


def test_communities_rank_first_and_vectors_are_exposed() -> None:
    train = two_communities()
    model = Item2Vec(PARAMS).fit(train)
    scores = model.score(np.arange(N_USERS))
    assert scores.shape == (N_USERS, N_ITEMS) and scores.dtype == np.float32
    top_ten = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    assert np.all(top_ten[:30] < 10) and np.all((top_ten[30:] >= 10) & (top_ten[30:] < 20))
    assert model.item_vectors.shape == (N_ITEMS, 8)
    assert model.item_in_vocabulary[:20].all() and not model.item_in_vocabulary[20]
    assert np.all(model.item_vectors[20] == 0.0) and np.all(scores[:, 20] == COLD_ITEM_SCORE)
    again = Item2Vec(PARAMS).fit(train).score(np.arange(N_USERS))
    assert_array_equal(scores, again)  # workers=1 + seed: reproducible


def test_user_vector_is_the_weighted_average_and_score_its_cosine() -> None:
    train = two_communities()
    model = Item2Vec(PARAMS).fit(train)
    user = 4
    items = train[user].indices
    weights = train[user].data  # weighting="raw": w_ui = x_ui
    expected = (weights[:, None] * model.item_vectors[items]).sum(axis=0) / weights.sum()
    assert_allclose(model.user_vectors(np.array([user]))[0], expected, rtol=1e-5, atol=1e-7)
    vectors = model.item_vectors[:20]
    cosine = vectors @ expected / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(expected))
    assert_allclose(model.score(np.array([user]))[0, :20], cosine, rtol=1e-4, atol=1e-6)
    log_model = Item2Vec(Item2VecParams(dim=8, epochs=2, weighting="log1p")).fit(train)
    log_weights = np.log1p(weights)
    expected_log = (log_weights[:, None] * log_model.item_vectors[items]).sum(axis=0) / log_weights.sum()
    assert_allclose(log_model.user_vectors(np.array([user]))[0], expected_log, rtol=1e-5, atol=1e-7)
