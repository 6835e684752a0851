"""The two cold-start evaluations, on matrices in memory (any dataset: Last.fm, KuaiRec, generic CSV).

* Items: every interaction of a random share of items (with side information) is hidden from training; the
  models rank those items, and only those, for the users who consumed them. Side-information vectors (EGES,
  its mean variant, and plain skip-gram whose tag vectors come from ``Item-Feature-Item`` walks) against a
  popularity-within-feature baseline (an item inherits the mean log popularity of its features) and a
  feature-kNN baseline (cosine of tf-idf feature vectors to the user's items, summed).
* Users: a random share of users is held out of training entirely; each reveals ``revealed`` random items
  and is judged on the rest. Fold-in (mp2v/serving/coldstart.py) on an R-MP2V run against the production
  baseline (mean of the revealed items' item2vec vectors, cosine), the same mean on R-MP2V's item vectors,
  and popularity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.ranking import top_k
from mp2v.evaluation.significance import paired_comparison
from mp2v.graph.side_info import SideInfo
from mp2v.models.eges import EGES, Aggregation, EgesParams
from mp2v.models.item2vec import PRODUCTION_PARAMS, Item2Vec
from mp2v.models.mp2v import MP2V, MatrixWalks, Mp2vParams
from mp2v.serving.coldstart import fold_in_user
from mp2v.serving.scoring import normalised
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.walks.side_matrix import SideMatrixWalks

Log = Callable[[str], None]


@dataclass(frozen=True)
class StudySettings:
    seed: int = 42
    item_share: float = 0.1
    user_share: float = 0.1
    revealed: int = 5
    dimensions: int = 64
    epochs: int = 5
    walks_per_node: int = 10
    side_walks_per_node: int = 5
    walk_length: int = 20
    workers: int = 2
    max_side: int = 5
    ks: tuple[int, ...] = (10, 20, 50)


@dataclass
class PartResult:
    """Means per method, paired tests against the reference method, and how many users / items were judged."""

    means: dict[str, dict[str, float]]
    tests: list[dict[str, Any]]
    counts: dict[str, int]
    seconds: dict[str, float]


def _judge(scores: dict[str, npt.NDArray[np.float32]], truth: sp.csr_matrix, exclude: sp.csr_matrix | None,
           ks: tuple[int, ...], reference: str, seed: int) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    reports = {name: evaluate_topk(top_k(values, max(ks), exclude), truth, ks) for name, values in scores.items()}
    means = {name: {k: v for k, v in r.means.items() if k.startswith(("recall", "ndcg"))}
             for name, r in reports.items()}
    tests = []
    for name, report in reports.items():
        if name == reference:
            continue
        for metric in (f"recall@{ks[1]}", f"ndcg@{ks[1]}"):
            result = paired_comparison(reports[reference].per_user[metric], report.per_user[metric], seed=seed)
            tests.append({"a": reference, "b": name, "metric": metric, "mean_diff": result.mean_diff,
                          "ci_low": result.ci_low, "ci_high": result.ci_high, "p_value": result.p_value,
                          "n_better": result.n_better, "n_worse": result.n_worse, "n_tied": result.n_tied})
    return means, tests


def _train_config(settings: StudySettings) -> TrainConfig:
    return TrainConfig(dimensions=settings.dimensions, window=3, epochs=settings.epochs, workers=settings.workers,
                       seed=settings.seed)


def cold_items(matrix: sp.csr_matrix, side: SideInfo, user_ids: npt.NDArray[Any], settings: StudySettings,
               log: Log) -> PartResult:
    """Hide every interaction of a random ``item_share`` of items; rank them for their consumers."""
    import time

    rng = np.random.default_rng(settings.seed)
    features = sp.csr_matrix(side.matrix, dtype=np.float32)
    eligible = np.flatnonzero((np.diff(matrix.tocsc().indptr) > 0) & (np.diff(features.indptr) > 0))
    cold = np.sort(rng.choice(eligible, max(1, int(round(settings.item_share * eligible.size))), replace=False))
    walkable = np.ones(matrix.shape[1], dtype=bool)
    walkable[cold] = False
    train = sp.csr_matrix(matrix @ sp.diags(walkable.astype(np.float32)))
    train.eliminate_zeros()
    truth = sp.csr_matrix((matrix[:, cold] != 0).astype(np.float32))
    users = np.flatnonzero((np.diff(truth.indptr) > 0) & (np.diff(train.indptr) > 0))
    truth = truth[users]
    scores: dict[str, npt.NDArray[np.float32]] = {}
    seconds: dict[str, float] = {}
    variants = (("EGES", Aggregation.ATTENTION, settings.max_side), ("GES (mean)", Aggregation.MEAN, settings.max_side),
                ("SGNS + feature walks", Aggregation.MEAN, 0))
    for name, aggregation, slots in variants:
        started = time.monotonic()
        source = SideMatrixWalks(user_ids, side.item_ids, features, side.feature_ids,
                                 walks_per_node=settings.walks_per_node,
                                 side_walks_per_node=settings.side_walks_per_node,
                                 walk_length=settings.walk_length, seed=settings.seed, walkable_items=walkable)
        model = EGES(EgesParams(train=_train_config(settings), aggregation=aggregation, max_side=slots), source,
                     side).fit(train)
        vectors, found = model.item_vectors(cold)
        values = model.user_context(users) @ vectors.T
        values[:, ~found] = -np.inf
        scores[name] = values.astype(np.float32)
        if aggregation is Aggregation.ATTENTION:
            # The same vectors used as content kNN: cosine of H to each of the user's items, summed.
            warm, has = model.item_vectors(np.arange(train.shape[1]))
            unit = normalised(warm) * has[:, None]
            profile = np.asarray((train[users] != 0).astype(np.float32) @ unit)
            knn = profile @ normalised(vectors).T
            knn[:, ~found] = -np.inf
            scores[f"{name} item kNN"] = knn.astype(np.float32)
        seconds[name] = time.monotonic() - started
        log(f"cold items: {name} fitted in {seconds[name]:.0f} s")
    popularity = np.asarray(features.T @ np.asarray((train != 0).sum(axis=0)).ravel(), dtype=np.float64)
    cold_features = features[cold]
    counts = np.maximum(np.diff(cold_features.indptr), 1)
    per_item = np.asarray((cold_features != 0).astype(np.float64) @ np.log1p(popularity)).ravel() / counts
    scores["feature popularity"] = np.tile(per_item.astype(np.float32), (users.size, 1))
    scores["feature kNN"] = _feature_knn(features, train, users, cold)
    # The same baseline on the side information EGES aggregates: each item's strongest max_side features.
    strongest = side.top_features(settings.max_side or 5)
    top = sp.csr_matrix((np.ones(sum(c.size for c in strongest), np.float32), np.concatenate(strongest),
                         np.concatenate(([0], np.cumsum([c.size for c in strongest])))), shape=features.shape)
    scores[f"feature kNN (top {settings.max_side or 5})"] = _feature_knn(top, train, users, cold)
    means, tests = _judge(scores, truth, None, settings.ks, "EGES", settings.seed)
    return PartResult(means, tests, {"cold_items": int(cold.size), "users": int(users.size),
                                     "hidden_interactions": int(truth.nnz)}, seconds)


def cold_users(matrix: sp.csr_matrix, user_ids: npt.NDArray[Any], item_ids: npt.NDArray[Any],
               settings: StudySettings, log: Log) -> PartResult:
    """Hold out a share of users from training; fold each in from ``revealed`` items, judge on the rest."""
    import time

    rng = np.random.default_rng(settings.seed + 1)
    sizes = np.diff(matrix.indptr)
    eligible = np.flatnonzero(sizes >= settings.revealed + 2)
    held = np.sort(rng.choice(eligible, max(1, int(round(settings.user_share * eligible.size))), replace=False))
    keep = np.ones(matrix.shape[0], dtype=bool)
    keep[held] = False
    train = sp.csr_matrix(sp.diags(keep.astype(np.float32)) @ matrix)
    train.eliminate_zeros()
    revealed_rows, truth_rows = [], []
    for user in held.tolist():
        items = matrix.indices[matrix.indptr[user]:matrix.indptr[user + 1]]
        shown = rng.choice(items, settings.revealed, replace=False)
        revealed_rows.append(np.sort(shown))
        truth_rows.append(np.setdiff1d(items, shown))
    shape = (held.size, matrix.shape[1])
    exclude = _rows_matrix(revealed_rows, shape)
    truth = _rows_matrix(truth_rows, shape)
    started = time.monotonic()
    walks = MatrixWalks(user_ids, item_ids, walks_per_node=settings.walks_per_node,
                        walk_length=settings.walk_length, seed=settings.seed)
    mp2v = MP2V(Mp2vParams(train=_train_config(settings)), walks).fit(train)
    if mp2v.embeddings is None:
        raise RuntimeError("MP2V.fit returned without embeddings")
    rows = np.array([mp2v.embeddings.item_rows.get(i, -1) for i in item_ids.tolist()], dtype=np.int64)
    known = rows >= 0
    context = np.zeros((item_ids.size, settings.dimensions), np.float32)
    inputs = np.zeros_like(context)
    context[known] = mp2v.embeddings.item_output[rows[known]]
    inputs[known] = mp2v.embeddings.item_input[rows[known]]
    log(f"cold users: R-MP2V fitted in {time.monotonic() - started:.0f} s")
    item2vec = Item2Vec(replace(PRODUCTION_PARAMS, dim=settings.dimensions, seed=settings.seed,
                                workers=settings.workers)).fit(train)
    fold_started = time.monotonic()
    fold = np.stack([context @ fold_in_user(context, shown, seed=settings.seed) for shown in revealed_rows])
    per_user_ms = (time.monotonic() - fold_started) * 1000 / held.size
    scores = {"R-MP2V fold-in": fold,
              "item2vec mean (production)": _mean_cosine(item2vec.item_vectors, revealed_rows),
              "R-MP2V mean of item vectors": _mean_cosine(inputs, revealed_rows),
              "popularity": np.tile(np.asarray((train != 0).sum(axis=0), np.float32).ravel(), (held.size, 1))}
    trained = np.asarray((train != 0).sum(axis=0)).ravel() > 0
    for name in scores:
        scores[name] = scores[name].astype(np.float32)
        scores[name][:, ~trained] = -np.inf
    means, tests = _judge(scores, truth, exclude, settings.ks, "R-MP2V fold-in", settings.seed)
    return PartResult(means, tests, {"held_out_users": int(held.size), "revealed": settings.revealed},
                      {"fold_in_ms_per_user": per_user_ms})


def _feature_knn(features: sp.csr_matrix, train: sp.csr_matrix, users: npt.NDArray[np.int64],
                 cold: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Content kNN: cosine of tf-idf feature vectors between a cold item and each of the user's items, summed."""
    idf = np.log(features.shape[0] / np.maximum(np.diff(features.tocsc().indptr), 1)).astype(np.float32)
    tfidf = normalised(np.asarray((features != 0).astype(np.float32) @ sp.diags(idf).todense()))
    profile = np.asarray((train[users] != 0).astype(np.float32) @ tfidf)
    return (profile @ tfidf[cold].T).astype(np.float32)


def _mean_cosine(vectors: npt.NDArray[np.float32], shown: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.float32]:
    unit = normalised(vectors)
    queries = normalised(np.stack([vectors[rows].mean(axis=0) for rows in shown]))
    return np.asarray(queries @ unit.T, dtype=np.float32)


def _rows_matrix(rows: list[npt.NDArray[np.int64]], shape: tuple[int, int]) -> sp.csr_matrix:
    indptr = np.concatenate(([0], np.cumsum([r.size for r in rows]))).astype(np.int64)
    indices = np.concatenate(rows).astype(np.int64) if rows else np.empty(0, np.int64)
    return sp.csr_matrix((np.ones(indices.size, np.float32), indices, indptr), shape=shape)
