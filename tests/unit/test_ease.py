"""EASE: both solver paths against the closed form with a dense inverse."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from mp2v.errors import ConfigError
from mp2v.models import COLD_ITEM_SCORE, EASE, EASEParams


def random_interactions(n_users: int, n_items: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < 0.3) * rng.integers(1, 6, size=(n_users, n_items))
    dense[np.arange(n_items) % n_users, np.arange(n_items)] = 2  # every item has a user
    return dense.astype(np.float64)


def ease_closed_form(x: np.ndarray, l2: float) -> np.ndarray:
    """B = I - P diag(1/diag P), P = (X^T X + l2 I)^-1, by a dense inverse."""
    p = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    return np.eye(x.shape[1]) - p / np.diag(p)[None, :]


@pytest.mark.parametrize("path", ["item", "user"])
@pytest.mark.parametrize("shape", [(8, 20), (20, 8)])
def test_both_paths_match_dense_closed_form(path: str, shape: tuple[int, int]) -> None:
    dense = random_interactions(*shape, seed=shape[0])
    binary = (dense > 0).astype(np.float64)
    model = EASE(EASEParams(l2=3.0, path=path)).fit(sp.csr_matrix(dense))  # type: ignore[arg-type]
    expected_b = ease_closed_form(binary, 3.0)
    weights = model.weight_matrix()
    assert_allclose(weights, expected_b, rtol=1e-4, atol=1e-6)
    assert np.all(np.diag(weights) == 0.0)
    assert_allclose(model.score(np.arange(shape[0])), binary @ expected_b, rtol=1e-4, atol=1e-6)


def test_auto_path_picks_the_smaller_side_and_paths_agree_on_weighted_input() -> None:
    dense = random_interactions(10, 30, seed=4)
    dense[:, 29] = 0.0  # cold item
    train = sp.csr_matrix(dense)
    auto = EASE(EASEParams(l2=5.0, weighting="log1p")).fit(train)
    assert auto.solver_path == "user"
    item = EASE(EASEParams(l2=5.0, weighting="log1p", path="item")).fit(train)
    users = np.array([3, 0, 9])
    auto_scores, item_scores = auto.score(users), item.score(users)
    assert_allclose(auto_scores[:, :29], item_scores[:, :29], rtol=1e-4, atol=1e-6)
    expected = np.log1p(dense) @ ease_closed_form(np.log1p(dense), 5.0)
    assert_allclose(item_scores[:, :29], expected[users, :29], rtol=1e-4, atol=1e-6)
    assert np.all(auto_scores[:, 29] == COLD_ITEM_SCORE) and auto_scores.dtype == np.float32
    assert EASE().fit(sp.csr_matrix(dense.T)).solver_path == "item"


@pytest.mark.parametrize("bad", [{"l2": 0.0}, {"l2": float("nan")}, {"path": "woodbury"}])
def test_params_validate(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="EASEParams"):
        EASEParams(**bad)  # type: ignore[arg-type]
