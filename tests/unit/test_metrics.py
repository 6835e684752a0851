"""Metrics: hand-worked values, edge cases, and a naive per-user loop oracle on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import EvaluationError
from mp2v.evaluation.metrics import (
    coverage_at_k,
    evaluate_topk,
    gini_of_exposure,
    hit_rate_at_k,
    hits_matrix,
    intra_list_diversity,
    lorenz_curve,
    mean_over_users,
    ndcg_at_k,
    novelty,
    popularity_from_interactions,
    precision_at_k,
    recall_at_k,
    unique_features_per_list,
)


def truth_from_sets(relevant: list[set[int]], n_items: int) -> sp.csr_matrix:
    rows = [user for user, items in enumerate(relevant) for _ in items]
    cols = [item for items in relevant for item in sorted(items)]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(relevant), n_items))


# --- hand-worked values ---


def test_hand_worked_accuracy_metrics() -> None:
    truth = truth_from_sets([{0, 2}, {1, 3, 4}], n_items=6)
    topk = np.array([[0, 5, 2], [0, 1, 5]])
    # user 0: hits at ranks 1 and 3, |truth| = 2 -> recall 2/2, precision 2/3,
    #   NDCG = (1/log2 2 + 1/log2 4) / (1/log2 2 + 1/log2 3) = (1 + 1/2) / (1 + 1/log2 3)
    # user 1: one hit at rank 2, |truth| = 3 -> recall 1/3 (RecBole: denominator |truth|), precision 1/3,
    #   NDCG = (1/log2 3) / (1 + 1/log2 3 + 1/log2 4)  (IDCG over min(K=3, 3) = 3 positions)
    np.testing.assert_allclose(recall_at_k(topk, truth), [1.0, 1 / 3])
    np.testing.assert_allclose(precision_at_k(topk, truth), [2 / 3, 1 / 3])
    np.testing.assert_allclose(hit_rate_at_k(topk, truth), [1.0, 1.0])
    expected_ndcg = [(1 + 1 / 2) / (1 + 1 / math.log2(3)), (1 / math.log2(3)) / (1 + 1 / math.log2(3) + 1 / 2)]
    np.testing.assert_allclose(ndcg_at_k(topk, truth), expected_ndcg)
    # at K=2: user 0 has one hit (rank 1) of 2 -> recall 1/2, NDCG = 1 / (1 + 1/log2 3)
    np.testing.assert_allclose(recall_at_k(topk, truth, k=2), [0.5, 1 / 3])
    np.testing.assert_allclose(ndcg_at_k(topk, truth, k=2)[0], 1 / (1 + 1 / math.log2(3)))
    np.testing.assert_array_equal(hits_matrix(topk, truth), [[True, False, True], [False, True, False]])


def test_perfect_ranking_scores_one() -> None:
    truth = truth_from_sets([{3, 1}, {0}], n_items=5)
    topk = np.array([[1, 3, 0], [0, 4, 2]])
    np.testing.assert_allclose(recall_at_k(topk, truth), [1.0, 1.0])
    np.testing.assert_allclose(ndcg_at_k(topk, truth), [1.0, 1.0])
    np.testing.assert_allclose(hit_rate_at_k(topk, truth), [1.0, 1.0])


def test_no_hits_and_empty_rankings_score_zero() -> None:
    truth = truth_from_sets([{0}, {1}], n_items=4)
    topk = np.array([[2, 3], [-1, -1]])
    for metric in (recall_at_k, ndcg_at_k, hit_rate_at_k, precision_at_k):
        np.testing.assert_array_equal(metric(topk, truth), [0.0, 0.0])


def test_padding_is_ignored_but_keeps_positions_and_the_cut_off() -> None:
    truth = truth_from_sets([{2}], n_items=4)
    topk = np.array([[-1, 2, -1]])
    # the hit sits at rank 2: NDCG = (1/log2 3) / (1/log2 2); precision divides by K = 3
    np.testing.assert_allclose(ndcg_at_k(topk, truth), [1 / math.log2(3)])
    np.testing.assert_allclose(precision_at_k(topk, truth), [1 / 3])
    np.testing.assert_allclose(recall_at_k(topk, truth), [1.0])
    assert coverage_at_k(topk, n_items=4) == 0.25


def test_users_with_empty_truth_are_nan_and_skipped_by_the_mean() -> None:
    truth = truth_from_sets([{0}, set(), {1}], n_items=3)
    topk = np.array([[0], [1], [2]])
    recall = recall_at_k(topk, truth)
    assert np.isnan(recall[1])
    assert mean_over_users(recall, truth) == 0.5  # (1 + 0) / 2, the empty user is not counted
    report = evaluate_topk(topk, truth, ks=(1,))
    np.testing.assert_array_equal(report.users, [0, 2])
    assert report.n_users_skipped == 1
    np.testing.assert_array_equal(report.per_user["recall@1"], [1.0, 0.0])
    assert report.means["recall@1"] == 0.5
    with pytest.raises(EvaluationError, match="no user"):
        mean_over_users(recall[[1]], truth[[1]])


def test_explicit_zeros_in_truth_are_not_relevant() -> None:
    truth = sp.csr_matrix((np.array([1.0, 0.0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 3))
    np.testing.assert_array_equal(hits_matrix(np.array([[1, 0]]), truth), [[False, True]])


def test_rejects_inconsistent_lists() -> None:
    truth = truth_from_sets([{0}], n_items=3)
    with pytest.raises(EvaluationError, match="repeats"):
        recall_at_k(np.array([[1, 1]]), truth)
    with pytest.raises(EvaluationError, match="outside"):
        recall_at_k(np.array([[3]]), truth)
    with pytest.raises(EvaluationError, match="rows"):
        recall_at_k(np.array([[0], [1]]), truth)
    with pytest.raises(EvaluationError, match="list length"):
        recall_at_k(np.array([[0, 1]]), truth, k=3)
    with pytest.raises(EvaluationError, match="rank with k >= 5"):
        evaluate_topk(np.array([[0, 1]]), truth, ks=(1, 5))


def test_hand_worked_beyond_accuracy_metrics() -> None:
    vectors = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    topk = np.array([[0, 1, 2], [0, 2, -1], [3, -1, -1]])
    # user 0: cos(0,1)=1, cos(0,2)=0, cos(1,2)=0 -> ILD = 1 - 1/3; user 1: ILD = 1 - 0; user 2: one item -> NaN
    ild = intra_list_diversity(topk, vectors)
    np.testing.assert_allclose(ild[:2], [2 / 3, 1.0])
    assert np.isnan(ild[2])
    features = sp.csr_matrix(np.array([[1, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 0]]))
    # user 0: {0, 2} | {0} | {1} = 3 features; user 1: {0, 2} | {1} = 3; user 2: none
    np.testing.assert_array_equal(unique_features_per_list(topk, features), [3, 3, 0])
    # 4 training users: item 0 seen by 2, item 1 by 1, items 2 and 3 by nobody -> p = [1/2, 1/4, 0, 0]
    train = sp.csr_matrix(np.array([[1, 1, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]))
    popularity = popularity_from_interactions(train)
    np.testing.assert_allclose(popularity, [0.5, 0.25, 0.0, 0.0])
    # p = 0 is replaced by the smallest positive p (1/4): user 0 = (1 + 2 + 2) / 3, user 1 = (1 + 2) / 2, user 2 = 2
    np.testing.assert_allclose(novelty(topk, popularity), [5 / 3, 1.5, 2.0])
    assert coverage_at_k(topk, n_items=5) == 4 / 5


def test_gini_and_lorenz_curve() -> None:
    # exposure counts over 3 items: item 0 -> 0, item 1 -> 1, item 2 -> 3, sorted c = [0, 1, 3]
    # G = 2 * (1*0 + 2*1 + 3*3) / (3 * 4) - 4/3 = 22/12 - 16/12 = 1/2
    topk = np.array([[2, 1], [2, -1], [2, -1]])
    assert gini_of_exposure(topk, n_items=3) == pytest.approx(0.5)
    x, y = lorenz_curve(topk, n_items=3)
    np.testing.assert_allclose(x, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(y, [0, 0, 1 / 4, 1])
    assert gini_of_exposure(np.array([[0, 1], [2, 3]]), n_items=4) == pytest.approx(0.0)
    assert gini_of_exposure(np.array([[0], [0]]), n_items=4) == pytest.approx(3 / 4)  # (n - 1) / n
    with pytest.raises(EvaluationError, match="no item"):
        gini_of_exposure(np.array([[-1]]), n_items=4)


# --- naive oracle ---


def random_case(seed: int, n_users: int = 50, n_items: int = 200, k: int = 20) -> tuple[np.ndarray, sp.csr_matrix]:
    """Random truth (some users empty) and ragged lists that contain a random share of each user's truth."""
    rng = np.random.default_rng(seed)
    relevant = rng.random((n_users, n_items)) < 0.05
    relevant[rng.random(n_users) < 0.1] = False
    topk = np.full((n_users, k), -1, dtype=np.int64)
    for user in range(n_users):
        own = rng.permutation(np.flatnonzero(relevant[user]))
        picked = own[: rng.integers(0, own.size + 1)][:k].tolist()
        others = [int(item) for item in rng.permutation(n_items) if int(item) not in picked]
        row = picked + others[: k - len(picked)]
        rng.shuffle(row)
        length = int(rng.integers(0, k + 1))  # ragged: pad the tail with -1, sometimes the whole row
        topk[user, :length] = row[:length]
    return topk, sp.csr_matrix(relevant.astype(np.float64))


def oracle_accuracy(topk: np.ndarray, truth: sp.csr_matrix, k: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"recall": [], "ndcg": [], "hit_rate": [], "precision": []}
    for user in range(topk.shape[0]):
        relevant = set(truth[user].indices.tolist())
        if not relevant:
            for values in out.values():
                values.append(float("nan"))
            continue
        ranked = [int(item) for item in topk[user, :k]]
        gains = [1.0 if item != -1 and item in relevant else 0.0 for item in ranked]
        dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
        idcg = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
        out["recall"].append(sum(gains) / len(relevant))
        out["ndcg"].append(dcg / idcg)
        out["hit_rate"].append(1.0 if sum(gains) > 0 else 0.0)
        out["precision"].append(sum(gains) / k)
    return out


def oracle_ild(topk: np.ndarray, vectors: np.ndarray) -> list[float]:
    result = []
    for row in topk:
        items = [int(item) for item in row if item != -1]
        cosines = [
            float(vectors[a] @ vectors[b] / (np.linalg.norm(vectors[a]) * np.linalg.norm(vectors[b])))
            for i, a in enumerate(items)
            for b in items[i + 1 :]
        ]
        result.append(1 - sum(cosines) / len(cosines) if cosines else float("nan"))
    return result


def oracle_gini(counts: list[int]) -> float:
    n, total = len(counts), sum(counts)
    return sum(abs(a - b) for a in counts for b in counts) / (2 * n * total)  # mean absolute difference form


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 5, 20])
def test_accuracy_metrics_match_naive_loops(seed: int, k: int) -> None:
    topk, truth = random_case(seed)
    expected = oracle_accuracy(topk, truth, k)
    assert np.nansum(expected["hit_rate"]) >= 5  # the random case really exercises hits
    report = evaluate_topk(topk, truth, ks=(k,))
    metrics = {"recall": recall_at_k, "ndcg": ndcg_at_k, "hit_rate": hit_rate_at_k, "precision": precision_at_k}
    for name, metric in metrics.items():
        np.testing.assert_allclose(metric(topk, truth, k=k), expected[name], equal_nan=True)
        has_truth = ~np.isnan(expected[name])
        np.testing.assert_allclose(report.per_user[f"{name}@{k}"], np.array(expected[name])[has_truth])
        assert report.means[f"{name}@{k}"] == pytest.approx(np.nanmean(expected[name]))
    distinct = {int(item) for item in topk[:, :k].ravel() if item != -1}
    assert report.means[f"coverage@{k}"] == pytest.approx(len(distinct) / 200)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beyond_accuracy_metrics_match_naive_loops(seed: int) -> None:
    topk, truth = random_case(seed)
    rng = np.random.default_rng(seed + 100)
    vectors = rng.normal(size=(200, 8))
    np.testing.assert_allclose(intra_list_diversity(topk, vectors), oracle_ild(topk, vectors), equal_nan=True)

    features = sp.random(200, 15, density=0.2, format="csr", random_state=seed)
    expected_features = [
        len({int(feature) for item in row if item != -1 for feature in features[int(item)].indices}) for row in topk
    ]
    np.testing.assert_array_equal(unique_features_per_list(topk, features), expected_features)

    popularity = popularity_from_interactions(truth)
    smallest = min(p for p in popularity if p > 0)
    expected_novelty = []
    for row in topk:
        items = [int(item) for item in row if item != -1]
        bits = [-math.log2(popularity[i] if popularity[i] > 0 else smallest) for i in items]
        expected_novelty.append(sum(bits) / len(bits) if bits else float("nan"))
    np.testing.assert_allclose(novelty(topk, popularity), expected_novelty, equal_nan=True)

    counts = [0] * 200
    for item in topk.ravel():
        if item != -1:
            counts[int(item)] += 1
    assert gini_of_exposure(topk, 200) == pytest.approx(oracle_gini(counts))
