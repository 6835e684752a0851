"""iALS and BPR wrappers: shapes, seeded determinism, and a planted two-block structure."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from mp2v.models import BPR, IALS, BPRParams, IALSParams
from mp2v.models.base import BaseRecommender
from mp2v.models.implicit_models import available_cores, capped_threads

N_USERS, N_ITEMS = 40, 20  # users 0-19 use items 0-9, users 20-39 items 10-19


def two_blocks() -> sp.csr_matrix:
    """Each user has 6 of the 10 items of its block, with play counts 1-9; item 19 is never played."""
    rng = np.random.default_rng(11)
    dense = np.zeros((N_USERS, N_ITEMS), dtype=np.float32)
    for user in range(N_USERS):
        block = 0 if user < 20 else 10
        items = block + rng.choice(10 if block == 0 else 9, size=6, replace=False)
        dense[user, items] = rng.integers(1, 10, size=6)
    return sp.csr_matrix(dense)


def fit_quietly(model: BaseRecommender, train: sp.csr_matrix) -> BaseRecommender:
    with warnings.catch_warnings():  # implicit's one-time "OpenBLAS uses N threads" performance hint
        warnings.simplefilter("ignore", RuntimeWarning)
        return model.fit(train)


def assert_in_block_items_rank_first(scores: np.ndarray) -> None:
    """Every user scores every item of its own block above every item of the other block."""
    first, second = slice(0, 10), slice(10, 19)
    assert np.all(scores[:20, first].min(axis=1) > scores[:20, second].max(axis=1))
    assert np.all(scores[20:, second].min(axis=1) > scores[20:, first].max(axis=1))


def test_ials_shape_determinism_and_blocks() -> None:
    train = two_blocks()
    # regularization 5 rather than implicit's 0.01: unscaled L2 must be large even on 40 users (see IALSParams);
    # with 8 factors and 0.01 the model overfits the 6 training items per user and the blocks blur.
    params = IALSParams(factors=4, regularization=5.0, iterations=15, alpha=2.0, random_state=3)
    model = fit_quietly(IALS(params), train)
    scores = model.score(np.arange(N_USERS))
    assert scores.shape == (N_USERS, N_ITEMS) and scores.dtype == np.float32
    assert np.all(np.isneginf(scores[:, 19]))  # never-played item
    assert_in_block_items_rank_first(scores)
    again = fit_quietly(IALS(params), train).score(np.arange(N_USERS))
    assert_array_equal(scores, again)
    assert isinstance(model, IALS) and model.item_factors.shape == (N_ITEMS, 4)


def test_bpr_shape_determinism_and_blocks() -> None:
    train = two_blocks()
    params = BPRParams(factors=4, learning_rate=0.01, regularization=0.01, iterations=100, random_state=5)
    model = fit_quietly(BPR(params), train)
    scores = model.score(np.arange(N_USERS))
    assert scores.shape == (N_USERS, N_ITEMS) and scores.dtype == np.float32
    assert_in_block_items_rank_first(scores)
    again = fit_quietly(BPR(params), train).score(np.arange(N_USERS))
    assert_array_equal(scores, again)
    assert isinstance(model, BPR) and model.item_factors.shape == (N_ITEMS, 5)  # factors + item bias


def test_threads_are_capped_at_the_cores() -> None:
    assert capped_threads(0) == available_cores()
    assert capped_threads(1) == 1
    assert capped_threads(1000) == available_cores()


def test_ials_fits_with_one_blas_thread_and_leaves_the_pool_as_it_was(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """implicit's threads each call BLAS: a BLAS pool under each oversubscribes the cores (bench.ials_threads)."""
    from threadpoolctl import threadpool_info

    from mp2v.models import implicit_models

    def blas_threads() -> list[int]:
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    seen: list[list[int]] = []
    original = implicit_models.AlternatingLeastSquares

    class Recording(original):  # type: ignore[misc, valid-type]
        def fit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(blas_threads())
            return super().fit(*args, **kwargs)

    before = blas_threads()
    monkeypatch.setattr(implicit_models, "AlternatingLeastSquares", Recording)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        IALS(IALSParams(factors=4, iterations=2)).fit(two_blocks())
    assert seen and all(threads == 1 for threads in seen[0])
    assert blas_threads() == before
    assert not [w for w in caught if "threadpool" in str(w.message).lower()]  # no BLAS-pool warning either
