"""Protocol options (leave-one-out, RecBole 8:1:1, minimum interactions) and grids that follow the data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import ConfigError, EvaluationError
from mp2v.evaluation.split import leave_one_out_split, three_way_split
from mp2v.experiments.benchmark.config import BenchmarkConfig
from mp2v.experiments.benchmark.space import BASELINE_SPACES, MP2V_SPACE, SearchSpace, fast
from mp2v.experiments.protocols import Protocol, ProtocolConfig, check_holds_out


def _matrix(seed: int = 0, users: int = 60, items: int = 80) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 30, size=users)  # some users with 1 or 2 interactions
    rows = np.repeat(np.arange(users), sizes)
    cols = np.concatenate([rng.choice(items, size=n, replace=False) for n in sizes])
    return sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(users, items))


def _per_user(part: sp.csr_matrix) -> np.ndarray:
    return np.diff(part.indptr)


def test_leave_one_out_holds_one_test_and_one_validation_item_per_eligible_user() -> None:
    matrix = _matrix()
    counts = _per_user(matrix)
    for minimum in (3, 10):
        train, validation, test = leave_one_out_split(matrix, seed=4, min_interactions=minimum)
        eligible = counts >= minimum
        assert np.array_equal(_per_user(test), eligible.astype(int))
        assert np.array_equal(_per_user(validation), eligible.astype(int))
        assert (train + validation + test != matrix).nnz == 0
        assert train.multiply(test).nnz == 0 and validation.multiply(test).nnz == 0


def test_ratio_8_1_1_and_minimum_interactions() -> None:
    matrix = _matrix(1)
    counts = _per_user(matrix)
    split = ProtocolConfig(Protocol.RATIO_8_1_1, min_interactions=5).split(matrix, seed=2)
    tested = _per_user(split.test)
    assert np.all(tested[counts < 5] == 0) and np.all(_per_user(split.validation)[counts < 5] == 0)
    big = counts >= 20
    assert np.allclose(tested[big], np.rint(0.1 * counts[big]))
    rest = counts[big] - tested[big]
    assert np.allclose(_per_user(split.validation)[big], np.clip(np.rint(rest / 9), 1, None))
    # The default holdout split is the one every earlier run used (same seed -> same parts).
    old = three_way_split(matrix, 0.2, 0.2, 7)
    new = ProtocolConfig().split(matrix, 7)
    assert (old.test != new.test).nnz == 0 and (old.validation != new.validation).nnz == 0


def test_protocol_names_and_refusals() -> None:
    assert ProtocolConfig().name == "holdout"
    assert ProtocolConfig(test_fraction=0.1, min_interactions=5).name == "holdout-test0.1-min5"
    assert ProtocolConfig(Protocol.LEAVE_ONE_OUT).name == "leave-one-out"
    with pytest.raises(ConfigError, match="--test-fraction"):
        ProtocolConfig(test_fraction=0.7)
    with pytest.raises(ConfigError, match="--min-interactions"):
        ProtocolConfig(min_interactions=1)


def test_a_split_with_nothing_to_judge_is_refused_in_one_line() -> None:
    # Users of 1 and 2 interactions: the test takes one row of each 2-interaction user, nothing is left for
    # validation.
    matrix = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]], dtype=np.float32))
    config = ProtocolConfig()
    with pytest.raises(EvaluationError, match=r"dataset 'tiny': the holdout split holds out no validation "
                                              r"interactions.*\(3 users, 5 interactions; 0 users have the 3"):
        check_holds_out(config.split(matrix, seed=1), config, "tiny")
    check_holds_out(config.split(_matrix(), seed=1), config, "enough")


def test_grids_are_cut_at_the_data_size() -> None:
    ials = BASELINE_SPACES["ials"][1].scaled(users=100, items=5000)
    factors = dict(ials.axes)["factors"]
    assert max(factors) == 99 and ials.start["factors"] <= 99
    assert ials.at_edge({**ials.start, "factors": 99}) == []  # the data's limit is not a grid edge
    itemknn = BASELINE_SPACES["itemknn"][1].scaled(users=100, items=300, item_k=True)
    assert max(dict(itemknn.axes)["k"]) == 299
    untouched = BASELINE_SPACES["ease"][1].scaled(users=10, items=10)
    assert untouched.axes == BASELINE_SPACES["ease"][1].axes


def test_widening_extends_a_grid_past_its_edge() -> None:
    space = SearchSpace({"l2": 100.0, "k": 10}, [("l2", [10.0, 100.0, 1000.0]), ("k", [1, 2, 3])],
                        limits={"k": (1, None)})
    wider, value = space.widened("l2", {"l2": 1000.0, "k": 2})
    assert value == pytest.approx(10000.0) and dict(wider.axes)["l2"][-1] == value
    assert wider.at_edge({"l2": 1000.0, "k": 2}) == []
    lower, value = space.widened("l2", {"l2": 10.0, "k": 2})
    assert value == pytest.approx(1.0)
    assert space.widened("k", {"l2": 100.0, "k": 1}) == (space, None)  # at its limit
    assert space.widened("k", {"l2": 100.0, "k": 3})[1] == 5  # ceil(3 * 3 / 2)


def test_fast_mode_says_what_it_leaves_out() -> None:
    config = BenchmarkConfig(fast=True)
    left = " ".join(config.left_out())
    assert "ablations" in left and "type-aware negatives" in left
    assert "item2vec" not in left  # the production baseline is the mission's reference: fast mode keeps it
    assert BenchmarkConfig(gnn=False).left_out() == []  # with gnn on, a missing torch is listed too
    assert "type-aware" in " ".join(BenchmarkConfig(typed_validation=False).left_out())
    small = fast(MP2V_SPACE, ("dimensions", "negative"))
    assert small.axes == [("dimensions", [64, 128, 256]), ("negative", [3, 5, 10])] and small.passes == 1


def test_popularity_prior_ranks_popular_items_up_as_it_grows() -> None:
    from mp2v.experiments.benchmark.methods import with_popularity_prior
    from mp2v.experiments.experiment import FittedMethod

    train = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]], dtype=np.float32))
    flat = np.array([[0.3, 0.2, 0.1, 0.4]] * 3, dtype=np.float32)  # the model prefers the rarest item
    fitted = FittedMethod("m", lambda users: flat[users], {}, {})
    weak = with_popularity_prior(fitted, train, 0.1).score(np.arange(3))
    strong = with_popularity_prior(fitted, train, 5.0).score(np.arange(3))
    assert np.argmax(weak[0]) == 3 and np.argmax(strong[0]) == 0  # item 0 is in every training row
    assert with_popularity_prior(fitted, train, 5.0).params["popularity_prior"] == 5.0
    cold = flat.copy()
    cold[:, 1] = -np.inf  # a cold item stays last, and the others are not NaN
    shifted = with_popularity_prior(FittedMethod("c", lambda users: cold[users], {}, {}), train, 1.0)
    values = shifted.score(np.arange(3))
    assert np.all(values[:, 1] == -np.inf) and np.isfinite(values[:, [0, 2, 3]]).all()
    assert dict(fast(MP2V_SPACE, ("popularity_prior",)).axes)["popularity_prior"][0] == 0.0
