"""LightGCN: propagation against a dense NumPy computation, the score contract, seeded determinism, planted blocks.

Tests that need ``torch`` carry the ``gnn`` marker and skip through ``pytest.importorskip("torch")`` (the
``torch`` fixture), so the default suite (``-m "not gnn"``, no torch installed) runs only the tests that do not:
the missing-extra error, hyperparameter validation and the negative sampler.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from mp2v.errors import ConfigError, EvaluationError
from mp2v.models.graph_convolution import MISSING_TORCH, normalized_adjacency, propagate
from mp2v.models.lightgcn import LightGCN, LightGCNParams, NegativeSampler
from mp2v.training.torch_options import torch_available

N_USERS, N_ITEMS = 40, 20  # users 0-19 use items 0-9, users 20-39 items 10-19; item 19 is never played
#: Quick settings for the 40 x 20 planted matrix (under a second of training; block margin ~5 for seeds 0-4).
SMALL = LightGCNParams(dim=8, layers=2, learning_rate=0.01, l2=1e-4, epochs=30, batch_size=64, seed=7, threads=1)


@pytest.fixture
def torch() -> ModuleType:
    return pytest.importorskip("torch")


def two_blocks() -> sp.csr_matrix:
    """Each user has 6 of the 10 items of its block (9 for the second block: item 19 is cold), counts 1-9."""
    rng = np.random.default_rng(11)
    dense = np.zeros((N_USERS, N_ITEMS), dtype=np.float32)
    for user in range(N_USERS):
        block = 0 if user < 20 else 10
        items = block + rng.choice(10 if block == 0 else 9, size=6, replace=False)
        dense[user, items] = rng.integers(1, 10, size=6)
    return sp.csr_matrix(dense)


def tiny() -> sp.csr_matrix:
    """2 users x 4 items, weights ignored (binary): u0 - {i0, i1}, u1 - {i1, i2}; i3 is cold."""
    return sp.csr_matrix(np.array([[5.0, 1.0, 0.0, 0.0], [0.0, 2.0, 7.0, 0.0]], dtype=np.float32))


def dense_layer_mean(train: sp.csr_matrix, layer0: np.ndarray, layers: int) -> np.ndarray:
    """(1/(K+1)) sum_k (D^-1/2 A D^-1/2)^k E0 with dense NumPy, from the bipartite adjacency A of binary train."""
    x = (train.toarray() > 0).astype(np.float64)
    n_users, n_items = x.shape
    a = np.zeros((n_users + n_items, n_users + n_items))
    a[:n_users, n_users:] = x
    a[n_users:, :n_users] = x.T
    degree = a.sum(axis=1)
    inverse_sqrt = np.where(degree > 0, 1.0 / np.sqrt(np.maximum(degree, 1.0)), 0.0)
    normalized = inverse_sqrt[:, None] * a * inverse_sqrt[None, :]
    total, current = layer0.astype(np.float64), layer0.astype(np.float64)
    for _ in range(layers):
        current = normalized @ current
        total = total + current
    return total / (layers + 1)


# ----------------------------------------------------------------------------------------- without torch
def test_missing_torch_gives_a_clear_error_only_when_the_model_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    assert torch_available() is False
    params = LightGCNParams(dim=8)  # hyperparameters need no torch
    with pytest.raises(ConfigError) as raised:
        LightGCN(params)
    assert str(raised.value) == MISSING_TORCH
    assert MISSING_TORCH == "LightGCN needs torch, from the optional extra: pip install -e '.[gnn]' (or 'mp2v[gnn]')"
    with pytest.raises(ConfigError, match=r"mp2v\[gnn\]"):
        propagate(tiny(), np.zeros((6, 2), dtype=np.float32), layers=1)
    assert_allclose(normalized_adjacency(tiny()).toarray()[0, 2:4], [1 / np.sqrt(2), 0.5])  # scipy only


def test_hyperparameters_are_validated() -> None:
    for bad in ({"dim": 0}, {"layers": -1}, {"learning_rate": 0.0}, {"l2": -1.0}, {"epochs": 0},
                {"batch_size": 0}, {"seed": -1}, {"threads": 0}, {"dim": True}, {"l2": float("nan")}):
        with pytest.raises(ConfigError, match="LightGCNParams"):
            LightGCNParams(**bad)
    assert LightGCNParams(layers=0).layers == 0  # K = 0 is BPR matrix factorisation
    assert LightGCN.name == "lightgcn" and LightGCN.params_class is LightGCNParams


def test_negative_sampler_draws_only_unseen_catalogue_items() -> None:
    train = two_blocks()
    catalogue = np.arange(19, dtype=np.int64)  # item 19 is cold
    sampler = NegativeSampler((train > 0).astype(np.float32).tocsr(), catalogue)
    users = np.repeat(np.arange(N_USERS, dtype=np.int64), 500)
    negatives = sampler.sample(users, np.random.default_rng(0))
    dense = train.toarray()
    assert np.all(dense[users, negatives] == 0)
    assert np.isin(negatives, catalogue).all()
    counts = np.bincount(negatives[users == 0], minlength=N_ITEMS)  # user 0: 13 unseen catalogue items
    assert np.count_nonzero(counts) == 13 and counts.min(where=counts > 0, initial=500) > 15  # ~38 each
    assert_array_equal(sampler.is_positive(users[:3], train[0].indices[:3].astype(np.int64)), [True] * 3)


# ----------------------------------------------------------------------------------------- with torch
@pytest.mark.gnn
def test_normalized_adjacency_by_hand_and_propagation_matches_dense_numpy(torch: ModuleType) -> None:
    train = tiny()
    adjacency = normalized_adjacency(train).toarray()
    # Nodes: u0 u1 | i0 i1 i2 i3. Degrees 2 2 | 1 2 1 0; A_ui = 1/sqrt(d_u d_i).
    h, q = 1 / np.sqrt(2.0), 0.5
    expected = np.array([
        [0, 0, h, q, 0, 0],
        [0, 0, 0, q, h, 0],
        [h, 0, 0, 0, 0, 0],
        [q, q, 0, 0, 0, 0],
        [0, h, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ])
    assert_allclose(adjacency, expected, rtol=1e-6)
    layer0 = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    for layers in range(4):
        assert_allclose(propagate(train, layer0, layers), dense_layer_mean(train, layer0, layers), rtol=1e-5, atol=1e-6)
    # One layer by hand for u0: (e_u0 + e_i0/sqrt2 + e_i1/2) / 2.
    assert_allclose(propagate(train, layer0, 1)[0], (layer0[0] + h * layer0[2] + q * layer0[3]) / 2, rtol=1e-5)
    assert_allclose(propagate(train, layer0, 3)[5], layer0[5] / 4)  # a cold node has no neighbours: E0 / (K+1)
    with pytest.raises(EvaluationError, match="one row per node"):
        propagate(train, layer0[:5], 2)


@pytest.mark.gnn
def test_score_contract_and_fitted_embeddings_are_the_propagated_layer0(torch: ModuleType) -> None:
    train = two_blocks()
    threads_before = torch.get_num_threads()
    model = LightGCN(SMALL).fit(train)
    assert torch.get_num_threads() == threads_before  # the fit's thread count is restored
    scores = model.score(np.arange(N_USERS))
    assert scores.shape == (N_USERS, N_ITEMS) and scores.dtype == np.float32
    assert np.all(np.isneginf(scores[:, 19]))  # never played in training
    assert np.all(np.isfinite(scores[:, :19]))  # training items are not masked
    assert_allclose(model.score(np.array([3, 3, 0])), scores[[3, 3, 0]], rtol=1e-6)
    assert model.score(np.zeros(0, dtype=np.int64)).shape == (0, N_ITEMS)
    assert model.user_embeddings.shape == (N_USERS, 8) and model.item_embeddings.shape == (N_ITEMS, 8)
    layer0 = np.vstack((model.base_user_embeddings, model.base_item_embeddings))
    final = propagate(train, layer0, SMALL.layers)
    assert_allclose(model.user_embeddings, final[:N_USERS], rtol=1e-5, atol=1e-6)
    assert_allclose(model.item_embeddings, final[N_USERS:], rtol=1e-5, atol=1e-6)
    assert_allclose(scores[:, :19], (final[:N_USERS] @ final[N_USERS:].T)[:, :19], rtol=1e-4, atol=1e-5)
    assert model.epochs_trained == SMALL.epochs and model.epoch_losses[-1] < model.epoch_losses[0]
    with pytest.raises(EvaluationError, match="user indices"):
        model.score(np.array([N_USERS]))


@pytest.mark.gnn
def test_same_seed_same_model_and_resuming_equals_training_longer(torch: ModuleType) -> None:
    train = two_blocks()
    first = LightGCN(SMALL).fit(train).score(np.arange(N_USERS))
    again = LightGCN(SMALL).fit(train).score(np.arange(N_USERS))
    assert_array_equal(first, again)
    two_threads = LightGCNParams(**{**vars(SMALL), "threads": 2})  # the gradient gathers are order-deterministic
    assert_array_equal(LightGCN(two_threads).fit(train).score(np.arange(N_USERS)),
                       LightGCN(two_threads).fit(train).score(np.arange(N_USERS)))
    other_seed = LightGCN(LightGCNParams(**{**vars(SMALL), "seed": 8})).fit(train).score(np.arange(N_USERS))
    assert not np.array_equal(first[:, :19], other_seed[:, :19])
    half = LightGCNParams(**{**vars(SMALL), "epochs": SMALL.epochs // 2})
    resumed = LightGCN(half).fit(train).continue_training(SMALL.epochs - half.epochs)
    assert resumed.epochs_trained == SMALL.epochs
    assert_array_equal(resumed.score(np.arange(N_USERS)), first)
    with pytest.raises(EvaluationError, match="call fit"):
        LightGCN(SMALL).continue_training(1)


@pytest.mark.gnn
def test_planted_blocks_rank_in_block_items_first(torch: ModuleType) -> None:
    scores = LightGCN(SMALL).fit(two_blocks()).score(np.arange(N_USERS))
    first, second = slice(0, 10), slice(10, 19)
    assert np.all(scores[:20, first].min(axis=1) > scores[:20, second].max(axis=1))
    assert np.all(scores[20:, second].min(axis=1) > scores[20:, first].max(axis=1))


@pytest.mark.gnn
def test_fit_rejects_data_without_negatives(torch: ModuleType) -> None:
    everything = sp.csr_matrix(np.ones((3, 4), dtype=np.float32))
    with pytest.raises(EvaluationError, match="no negative"):
        LightGCN(SMALL).fit(everything)
    assert torch_available()
