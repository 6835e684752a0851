"""Per-user random splits: determinism, exact partition, per-user counts, disk round trip."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.evaluation.split import (
    HoldoutSplit,
    Split,
    ThreeWaySplit,
    TruthFractionSplit,
    fingerprint,
    fraction_split_of_truth,
    holdout_split,
    load_split,
    save_split,
    three_way_split,
)


def interactions(seed: int = 0, n_users: int = 120, n_items: int = 60) -> sp.csr_matrix:
    """Random weighted interactions; users 0..3 have exactly 0, 1, 2 and 3 interactions."""
    rng = np.random.default_rng(seed)
    dense = np.where(rng.random((n_users, n_items)) < 0.15, rng.integers(1, 9, size=(n_users, n_items)), 0)
    dense[:4] = 0
    for user, count in enumerate([0, 1, 2, 3]):
        dense[user, :count] = user + 1
    return sp.csr_matrix(dense.astype(np.float64))


def expected_held_out(count: int, fraction: float) -> int:
    """The documented rule, written independently: round(), clipped to [1, n - 1], none below 2."""
    return 0 if count < 2 else max(1, min(count - 1, round(fraction * count)))


def row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    return np.diff(matrix.indptr)


def assert_partition(original: sp.csr_matrix, *parts: sp.csr_matrix) -> None:
    assert all(part.shape == original.shape for part in parts)
    assert abs(sum(parts[1:], parts[0]) - original).nnz == 0  # union with values == original
    assert sum(part.nnz for part in parts) == original.nnz  # ... and no overlap


def test_holdout_partitions_exactly_with_the_documented_per_user_counts() -> None:
    data = interactions()
    train, test = holdout_split(data, test_fraction=0.2, seed=7)
    assert_partition(data, train, test)
    expected = [expected_held_out(int(n), 0.2) for n in row_counts(data)]
    np.testing.assert_array_equal(row_counts(test), expected)
    # hand-worked: users with 0, 1, 2, 3 interactions hold out 0, 0, 1 (at least 1), 1 (round 0.6 = 1)
    np.testing.assert_array_equal(row_counts(test)[:4], [0, 0, 1, 1])


def test_same_seed_same_split_other_seed_other_split() -> None:
    data = interactions()
    first, again, other = (holdout_split(data, seed=seed) for seed in (1, 1, 2))
    assert (first.test != again.test).nnz == 0
    assert (first.test != other.test).nnz > 0
    assert first.info.fingerprint == fingerprint(data)
    assert first.info.counts == {"train": first.train.nnz, "test": first.test.nnz}


def test_the_held_out_positions_are_random_not_the_first_items() -> None:
    data = sp.csr_matrix(np.ones((300, 10)))
    _, test = holdout_split(data, test_fraction=0.1, seed=0)  # one item per user
    assert len(np.unique(test.indices)) == 10


def test_three_way_carves_validation_from_the_training_rows() -> None:
    data = interactions(seed=3)
    split = three_way_split(data, test_fraction=0.2, validation_fraction=0.25, seed=5)
    train, validation, test = split
    assert_partition(data, train, validation, test)
    assert (test != holdout_split(data, test_fraction=0.2, seed=5).test).nnz == 0
    remaining = row_counts(train) + row_counts(validation)
    np.testing.assert_array_equal(row_counts(validation), [expected_held_out(int(n), 0.25) for n in remaining])


def test_fraction_split_of_truth_keeps_single_items_in_the_rest() -> None:
    truth = interactions(seed=4)
    first, rest = fraction_split_of_truth(truth, first_fraction=0.2, seed=9)
    assert_partition(truth, first, rest)
    np.testing.assert_array_equal(row_counts(first), [expected_held_out(int(n), 0.2) for n in row_counts(truth)])
    assert row_counts(rest)[1] == 1 and row_counts(first)[1] == 0


def test_duplicates_and_explicit_zeros_are_canonicalised() -> None:
    rows, cols, values = np.array([0, 0, 0, 1]), np.array([1, 1, 2, 0]), np.array([1.0, 2.0, 0.0, 4.0])
    messy = sp.csr_matrix((values, (rows, cols)), shape=(2, 3))
    clean = sp.csr_matrix(np.array([[0, 3.0, 0], [4.0, 0, 0]]))
    assert fingerprint(messy) == fingerprint(clean)
    assert fingerprint(clean) != fingerprint(clean * 2)
    train, test = holdout_split(messy, seed=0)
    assert train.nnz + test.nnz == 2


def test_rejects_bad_fractions_and_dense_input() -> None:
    with pytest.raises(EvaluationError, match="strictly between 0 and 1"):
        holdout_split(interactions(), test_fraction=1.0)
    with pytest.raises(EvaluationError, match="validation_fraction"):
        three_way_split(interactions(), validation_fraction=0.0)
    with pytest.raises(EvaluationError, match="sparse"):
        holdout_split(np.ones((3, 3)))


@pytest.mark.parametrize(
    "make",
    [
        lambda data: holdout_split(data, seed=1),
        lambda data: three_way_split(data, seed=2),
        lambda data: fraction_split_of_truth(data, seed=3),
    ],
)
def test_save_and_load_round_trip(tmp_path: Path, make: Callable[[sp.csr_matrix], Split]) -> None:
    data = interactions()
    split = make(data)
    npz_path, json_path = save_split(tmp_path / "splits" / "lastfm", split)
    assert npz_path.name == "lastfm.npz" and json_path.name == "lastfm.json"
    loaded = load_split(tmp_path / "splits" / "lastfm.npz", expected_fingerprint=fingerprint(data))
    assert type(loaded) is type(split)
    assert loaded.info == split.info
    for original_part, loaded_part in zip(split, loaded, strict=True):
        assert (original_part != loaded_part).nnz == 0
    assert isinstance(loaded, (HoldoutSplit, ThreeWaySplit, TruthFractionSplit))


def test_load_refuses_a_split_of_other_data(tmp_path: Path) -> None:
    save_split(tmp_path / "split", holdout_split(interactions(seed=0), seed=1))
    with pytest.raises(EvaluationError, match="sha256"):
        load_split(tmp_path / "split", expected_fingerprint=fingerprint(interactions(seed=1)))
    with pytest.raises(EvaluationError, match="not found"):
        load_split(tmp_path / "missing")
    (tmp_path / "split.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EvaluationError, match="not a valid split sidecar"):
        load_split(tmp_path / "split")
