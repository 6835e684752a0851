"""Shared baseline machinery, popularity, UserKNN/ItemKNN and RP3beta on hand-worked matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from mp2v.errors import ConfigError, EvaluationError
from mp2v.models import (
    BASELINES,
    COLD_ITEM_SCORE,
    InputTransform,
    ItemKNN,
    KNNParams,
    Popularity,
    PopularityParams,
    Recommender,
    RP3beta,
    RP3betaParams,
    UserKNN,
    make_baseline,
)

# Four users, four items (binary). Used by the kNN tests:
#   u0: i0 i1        |u0| = sqrt2
#   u1: i0 i1 i2     |u1| = sqrt3
#   u2:       i2 i3  |u2| = sqrt2
#   u3: i0           |u3| = 1
SMALL = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 0]], dtype=np.float32))
ALL_USERS = np.arange(4)
R2, R3, R6 = np.sqrt(2.0), np.sqrt(3.0), np.sqrt(6.0)


# ----------------------------------------------------------------------------------------- shared
def test_input_transform_values() -> None:
    weights = np.array([1.0, 3.0, 0.5], dtype=np.float32)
    assert_array_equal(InputTransform("binary").values(weights), [1, 1, 1])
    assert_array_equal(InputTransform("raw").values(weights), weights)
    assert_allclose(InputTransform("log1p").values(weights), np.log1p(weights), rtol=1e-6)
    # confidence 1 + alpha log(1 + x) with alpha = 2: x=1 -> 1 + 2 ln 2 = 2.386
    assert_allclose(InputTransform("confidence", alpha=2.0).values(weights), 1 + 2 * np.log1p(weights), rtol=1e-6)
    assert InputTransform("raw").apply(SMALL * 3).dtype == np.float32


@pytest.mark.parametrize("bad", [{"kind": "square"}, {"kind": "confidence", "alpha": 0.0}])
def test_input_transform_rejects_bad_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="InputTransform"):
        InputTransform(**bad)  # type: ignore[arg-type]


def test_registry_builds_every_model_and_rejects_unknown_names() -> None:
    assert set(BASELINES) == {"popularity", "userknn", "itemknn", "rp3beta", "ease", "ials", "bpr", "item2vec"}
    for name in BASELINES:
        model = make_baseline(name)
        assert isinstance(model, Recommender) and model.name == name
    assert make_baseline("userknn", k=7).params == KNNParams(k=7)  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="unknown baseline"):
        make_baseline("svd")
    with pytest.raises(ConfigError, match="no hyperparameter"):
        make_baseline("ease", lambda_=3)


@pytest.mark.parametrize(
    "build",
    [
        lambda: KNNParams(k=0),
        lambda: KNNParams(shrink=-1.0),
        lambda: RP3betaParams(alpha=0),
        lambda: RP3betaParams(top_k=2.5),  # type: ignore[arg-type]
        lambda: PopularityParams(count="plays"),  # type: ignore[arg-type]
    ],
)
def test_params_validate(build: object) -> None:
    with pytest.raises(ConfigError, match="invalid"):
        build()  # type: ignore[operator]


def test_inputs_are_checked() -> None:
    with pytest.raises(EvaluationError, match="call fit"):
        UserKNN().score(ALL_USERS)
    with pytest.raises(EvaluationError, match=">= 0"):
        UserKNN().fit(sp.csr_matrix(np.array([[1.0, -1.0]])))
    with pytest.raises(EvaluationError, match="scipy.sparse"):
        UserKNN().fit(np.ones((2, 2)))
    model = UserKNN().fit(SMALL)
    with pytest.raises(EvaluationError, match=r"\[0, 4\)"):
        model.score(np.array([0, 4]))
    with pytest.raises(EvaluationError, match="1-D integer"):
        model.score(np.array([0.5]))
    assert model.score(np.array([], dtype=np.int64)).shape == (0, 4)


# ----------------------------------------------------------------------------------------- popularity
def test_popularity_counts_users_or_weight_and_masks_cold_items() -> None:
    # item0: 3 users x weight 1 (sum 3); item1: 1 user x weight 10 (sum 10); item2: 2 users (sum 2); item3: none
    train = sp.csr_matrix(np.array([[1, 10, 1, 0], [1, 0, 1, 0], [1, 0, 0, 0]], dtype=np.float32))
    by_users = Popularity().fit(train).score(np.array([0, 2]))
    assert_array_equal(by_users, [[3, 1, 2, COLD_ITEM_SCORE]] * 2)
    by_weight = Popularity(PopularityParams(count="weight")).fit(train).score(np.array([1]))
    assert_array_equal(by_weight, [[3, 10, 2, COLD_ITEM_SCORE]])
    assert by_weight.dtype == np.float32


# ----------------------------------------------------------------------------------------- kNN
def test_user_knn_neighbours_and_scores() -> None:
    # Cosines: (u0,u1) = 2/sqrt6 = .816, (u0,u3) = 1/sqrt2 = .707, (u1,u3) = 1/sqrt3 = .577, (u1,u2) = 1/sqrt6 = .408.
    model = UserKNN(KNNParams(k=1)).fit(SMALL)
    # k=1: u0 -> u1, u1 -> u0, u2 -> u1, u3 -> u0 (never itself)
    assert_array_equal(model.user_similarity.toarray() > 0, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]])
    scores = model.score(ALL_USERS)
    # u0 = .816 * x_u1 = .816 * [1,1,1,0];  u3 = .707 * x_u0 = .707 * [1,1,0,0]
    assert_allclose(scores[0], 2 / R6 * np.array([1, 1, 1, 0]), rtol=1e-6)
    assert_allclose(scores[3], 1 / R2 * np.array([1, 1, 0, 0]), rtol=1e-6)
    # k=2: u0 keeps u1 (.816) and u3 (.707): .816*[1,1,1,0] + .707*[1,0,0,0] = [1.523, .816, .816, 0]
    two = UserKNN(KNNParams(k=2)).fit(SMALL).score(np.array([0]))
    assert_allclose(two[0], [2 / R6 + 1 / R2, 2 / R6, 2 / R6, 0], rtol=1e-6)
    # shrink h=1: sim(u0,u1) = 2/(sqrt6 + 1), sim(u0,u3) = 1/(sqrt2 + 1)
    shrunk = UserKNN(KNNParams(k=2, shrink=1.0)).fit(SMALL).user_similarity.toarray()
    assert_allclose(shrunk[0], [0, 2 / (R6 + 1), 0, 1 / (R2 + 1)], rtol=1e-6)


def test_user_knn_weighted_matches_dense_formula() -> None:
    rng = np.random.default_rng(3)
    dense = rng.integers(0, 4, size=(6, 9)).astype(np.float64)
    dense[:, 0] = 1.0  # no cold items
    norms = np.linalg.norm(dense, axis=1)
    similarity = dense @ dense.T / (np.outer(norms, norms) + 0.5)
    np.fill_diagonal(similarity, 0.0)
    model = UserKNN(KNNParams(k=10, shrink=0.5, weighting="raw")).fit(sp.csr_matrix(dense))
    assert_allclose(model.score(np.arange(6)), similarity @ dense, rtol=1e-5)


def test_item_knn_neighbours_per_target_item_and_scores() -> None:
    # Item columns: i0 {u0,u1,u3} |.|=sqrt3, i1 {u0,u1} sqrt2, i2 {u1,u2} sqrt2, i3 {u2} 1.
    # Cosines: (i0,i1) = 2/sqrt6 = .816, (i1,i2) = 1/2, (i0,i2) = 1/sqrt6 = .408, (i2,i3) = 1/sqrt2 = .707.
    # k=1 neighbour of each target: N(i0)={i1}, N(i1)={i0}, N(i2)={i3}, N(i3)={i2}; W[i, j] = sim if i in N(j).
    model = ItemKNN(KNNParams(k=1)).fit(SMALL)
    expected_w = np.zeros((4, 4))
    expected_w[1, 0] = expected_w[0, 1] = 2 / R6
    expected_w[3, 2] = expected_w[2, 3] = 1 / R2
    assert_allclose(model.item_weights.toarray(), expected_w, rtol=1e-6)
    scores = model.score(np.array([3, 0, 2]))
    # u3 = x(i0) -> row W[0] = [0, .816, 0, 0]: i2 gets 0 although sim(i0,i2) > 0, since i0 is not in N(i2)
    assert_allclose(scores[0], [0, 2 / R6, 0, 0], rtol=1e-6)
    assert_allclose(scores[1], [2 / R6, 2 / R6, 0, 0], rtol=1e-6)  # u0: W[0] + W[1]
    assert_allclose(scores[2], [0, 0, 1 / R2, 1 / R2], rtol=1e-6)  # u2: W[2] + W[3]


# ----------------------------------------------------------------------------------------- RP3beta
def rp3beta_dense(
    x: np.ndarray, alpha: float, beta: float, top_k: int, normalize: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The RP3beta formula on dense arrays, step by step; returns (W, scores)."""
    row_sums = x.sum(axis=1, keepdims=True)
    p_ui = np.divide(x, row_sums, out=np.zeros_like(x), where=row_sums > 0)
    binary_iu = (x > 0).astype(np.float64).T
    degree = binary_iu.sum(axis=1)
    p_iu = np.divide(binary_iu, degree[:, None], out=np.zeros_like(binary_iu), where=degree[:, None] > 0)
    penalty = np.where(degree > 0, np.power(np.maximum(degree, 1), -beta), 0.0)
    w = (p_iu**alpha) @ (p_ui**alpha) * penalty[None, :]
    np.fill_diagonal(w, 0.0)
    for row in w:
        row[np.argsort(-row)[top_k:]] = 0.0
    if normalize:
        sums = w.sum(axis=1, keepdims=True)
        w = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)
    return w, p_ui @ w


@pytest.mark.parametrize(("alpha", "beta", "top_k", "normalize"), [(1.0, 0.0, 50, False), (0.7, 0.4, 4, True)])
def test_rp3beta_matches_dense_formula(alpha: float, beta: float, top_k: int, normalize: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 5.0, size=(15, 12)) * (rng.random((15, 12)) < 0.35)
    x[0] = 0.0  # a user without interactions
    x[:, 11] = 0.0  # a cold item
    params = RP3betaParams(alpha=alpha, beta=beta, top_k=top_k, normalize_similarity=normalize, weighting="raw")
    model = RP3beta(params).fit(sp.csr_matrix(x))
    expected_w, expected_scores = rp3beta_dense(x, alpha, beta, top_k, normalize)
    assert_allclose(model.item_weights.toarray(), expected_w, rtol=1e-5, atol=1e-7)
    scores = model.score(np.arange(15))
    assert_allclose(scores[:, :11], expected_scores[:, :11], rtol=1e-5, atol=1e-7)
    assert np.all(scores[:, 11] == COLD_ITEM_SCORE)
    assert np.all(np.diag(model.item_weights.toarray()) == 0)
