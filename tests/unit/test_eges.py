"""EGES and its mean variant on a two-cluster catalogue: side information alone places a cold item right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError, ModelStoreError
from mp2v.graph.side_info import SideInfo
from mp2v.models.eges import EGES, Aggregation, EgesParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.walks.side_matrix import SideMatrixWalks

N_USERS, N_ITEMS, N_FEATURES = 60, 40, 6
COLD = np.array([0, 25])


def catalogue(seed: int = 0) -> tuple[sp.csr_matrix, SideInfo]:
    """Users 0-29 play items 0-19 (features 0-2), users 30-59 items 20-39 (features 3-5); COLD unplayed."""
    rng = np.random.default_rng(seed)
    group = np.arange(N_ITEMS) // 20
    plays = np.zeros((N_USERS, N_ITEMS), np.float32)
    for user in range(N_USERS):
        plays[user, rng.choice(np.flatnonzero(group == user // 30), 6, replace=False)] = rng.integers(1, 5, 6)
    plays[:, COLD] = 0
    features = np.zeros((N_ITEMS, N_FEATURES), np.float32)
    for item in range(N_ITEMS):
        features[item, rng.choice(3, 2, replace=False) + 3 * group[item]] = rng.integers(1, 4, 2)
    side = SideInfo(np.arange(N_ITEMS), np.arange(N_FEATURES), tuple(f"tag {f}" for f in range(N_FEATURES)),
                    sp.csr_matrix(features), prefix="f")
    return sp.csr_matrix(plays), side


def fitted(aggregation: Aggregation = Aggregation.ATTENTION, max_side: int = 3) -> EGES:
    plays, side = catalogue()
    walkable = np.ones(N_ITEMS, bool)
    walkable[COLD] = False
    source = SideMatrixWalks(np.arange(N_USERS), np.arange(N_ITEMS), side.matrix, side.feature_ids,
                             walks_per_node=8, side_walks_per_node=3, walk_length=12, seed=1,
                             walkable_items=walkable)
    params = EgesParams(train=TrainConfig(dimensions=16, window=3, epochs=4, workers=1, seed=1),
                        aggregation=aggregation, max_side=max_side)
    return EGES(params, source, side).fit(plays)


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_cold_items_reach_the_users_of_their_side_information(aggregation: Aggregation) -> None:
    model = fitted(aggregation)
    vectors, found = model.item_vectors(COLD)
    assert found.all()
    scores = model.user_context(np.arange(N_USERS)) @ vectors.T
    # Item 0 carries cluster A's features, item 25 cluster B's: each should win with its own users.
    assert (scores[:30, 0] > scores[:30, 1]).mean() > 0.9
    assert (scores[30:, 1] > scores[30:, 0]).mean() > 0.9
    # The Recommender contract still holds: unplayed items are never recommended.
    assert np.isneginf(model.score(np.arange(N_USERS))[:, COLD]).all()


def test_attention_is_learned_and_the_mean_variant_keeps_equal_weights() -> None:
    learned = fitted(Aggregation.ATTENTION).side_vectors
    mean = fitted(Aggregation.MEAN).side_vectors
    assert learned is not None and mean is not None
    for side in (learned, mean):
        np.testing.assert_allclose(side.slot_weights.sum(axis=1), 1.0, rtol=1e-5)
    filled = mean.slot_weights > 0
    counts = filled.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(mean.slot_weights[filled], np.broadcast_to(1.0 / counts, filled.shape)[filled],
                               rtol=1e-5)
    assert np.ptp(learned.slot_weights[:, 0]) > 1e-3  # per-item weights, not one shared constant


def test_run_with_side_vectors_round_trips(tmp_path: Path) -> None:
    model = fitted()
    stored = model.save(RunStore(tmp_path / "runs"), "EGES", {"dataset": "matrix"})
    loaded = SideVectors.load(stored.path)
    assert model.side_vectors is not None
    np.testing.assert_array_equal(loaded.feature_vectors, model.side_vectors.feature_vectors)
    assert list(loaded.feature_names) == [f"tag {f}" for f in range(N_FEATURES)]
    assert RunStore(tmp_path / "runs").load(stored.run_id).metadata["side_information"] is True
    (stored.path / "side.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelStoreError, match="damaged"):
        SideVectors.load(stored.path)


def test_bad_parameters_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="aggregation"):
        EgesParams(aggregation="max")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_side"):
        EgesParams(max_side=-1)
