"""Cold start without retraining: items from side information, users by fold-in; and the study's two parts."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import Embeddings, StoredRun
from mp2v.errors import ConfigError
from mp2v.experiments.coldstart import report
from mp2v.experiments.coldstart_eval import StudySettings, cold_items, cold_users
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import LASTFM
from mp2v.graph.side_info import SideInfo
from mp2v.serving.coldstart import embed_item, feature_columns, fold_in_user, recommend_for_items
from mp2v.walks.config import StartNodes, WalkConfig
from mp2v.walks.run import build_tasks

DIM = 4
# Items 0-2 point along axis 0, items 3-5 along axis 1; users 10 and 11 prefer one group each.
ITEMS = np.array([[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0.8, 0, 0.2, 0], [0, 1, 0, 0], [0.1, 0.9, 0, 0], [0, 0.8, 0, 0.2]],
                 np.float32)


def run() -> StoredRun:
    users = np.array([[2, 0, 0, 0], [0, 2, 0, 0]], np.float32)
    embeddings = Embeddings(user_ids=np.array([10, 11]), item_ids=np.arange(6), user_input=users,
                            item_input=ITEMS, user_output=users, item_output=ITEMS)
    return StoredRun("r1", None, {"method": "EGES"}, embeddings)  # type: ignore[arg-type]


def side() -> SideVectors:
    return SideVectors(feature_ids=np.array([7, 8, 9]), feature_names=np.array(["Heavy Metal", "pop", "unused"]),
                       feature_vectors=np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], np.float32),
                       item_ids=np.arange(6), slot_features=np.full((6, 1), -1), slot_weights=np.ones((6, 2)))


def test_an_item_from_side_information_lands_beside_its_kind_and_reaches_its_users() -> None:
    item = embed_item(run(), side(), ["heavy metal", "no such tag"], k=3)
    assert item.features == ["Heavy Metal"] and item.unknown == ["no such tag"]
    assert {i for i, _ in item.neighbours} == {0, 1, 2}
    assert item.users[0][0] == 10
    with pytest.raises(ConfigError, match="none of"):
        embed_item(run(), side(), ["unused"])  # a feature without a vector is as good as unknown


def test_feature_columns_accept_ids_and_names() -> None:
    columns, unknown = feature_columns(side(), ["8", "POP", "x"])
    assert columns.tolist() == [1] and unknown == ["x"]


def test_fold_in_points_a_new_user_at_the_items_they_know() -> None:
    query = fold_in_user(ITEMS, np.array([3, 4]), steps=30, seed=1)
    scores = ITEMS @ query
    assert set(np.argsort(-scores)[:3].tolist()) == {3, 4, 5}
    rows, unknown = recommend_for_items(run().embeddings, [3, 4, 99], k=2)
    assert [item for item, _ in rows] == [5, 0] or rows[0][0] == 5
    assert unknown == [99]
    with pytest.raises(ConfigError, match="fold-in needs"):
        fold_in_user(ITEMS, np.array([], dtype=np.int64))


def test_side_metapaths_combine_with_user_metapaths_when_each_starts_at_its_first_label() -> None:
    user = parse_metapath("User-LISTENED->Artist<-LISTENED-User")
    tags = parse_metapath("Artist-HAS_TAG->Tag<-HAS_TAG-Artist")
    tasks = build_tasks(WalkConfig(metapaths=(user, tags), start=StartNodes.FIRST), LASTFM)
    assert [task.start_label for task in tasks] == ["User", "Artist"]
    with pytest.raises(ConfigError, match="never visits User"):
        build_tasks(WalkConfig(metapaths=(user, tags), start=StartNodes.USERS), LASTFM)


def _two_cluster_data(seed: int = 0) -> tuple[sp.csr_matrix, SideInfo]:
    rng = np.random.default_rng(seed)
    users, items, features = 80, 60, 8
    group = np.arange(items) % 2
    plays = np.zeros((users, items), np.float32)
    for user in range(users):
        plays[user, rng.choice(np.flatnonzero(group == user % 2), 10, replace=False)] = 1
    tags = np.zeros((items, features), np.float32)
    for item in range(items):
        tags[item, rng.choice(4, 2, replace=False) + 4 * group[item]] = 1
    return sp.csr_matrix(plays), SideInfo(np.arange(items), np.arange(features),
                                          tuple(f"t{f}" for f in range(features)), sp.csr_matrix(tags))


def test_the_study_parts_run_and_side_information_beats_chance() -> None:
    plays, info = _two_cluster_data()
    settings = StudySettings(item_share=0.2, user_share=0.2, dimensions=8, epochs=5, walks_per_node=10,
                             walk_length=10, workers=1, ks=(2, 5, 10))
    items = cold_items(plays, info, np.arange(80), settings, lambda _: None)
    assert set(items.means) == {"EGES", "GES (mean)", "SGNS + feature walks", "feature popularity", "feature kNN",
                                  "feature kNN (top 5)", "EGES item kNN"}
    # 12 cold items, half of each cluster: a random ranking finds about 5/12 of a user's cold items in its top 5.
    assert items.means["EGES"]["recall@5"] > 0.6
    assert items.means["feature kNN"]["recall@5"] > 0.6
    assert items.means["SGNS + feature walks"]["recall@5"] > 0.6  # feature vectors from the feature walks
    users = cold_users(plays, np.arange(80), np.arange(60), settings, lambda _: None)
    assert set(users.means) == {"R-MP2V fold-in", "item2vec mean (production)", "R-MP2V mean of item vectors",
                                "popularity"}
    assert users.counts["held_out_users"] == 16
    assert {t["b"] for t in users.tests} == set(users.means) - {"R-MP2V fold-in"}
    text = report({"dataset": "toy", "settings": vars(settings), "seconds": 1.0, "shape": [80, 60],
                   "features": 8, "cold_items": vars(items), "cold_users": vars(users)})
    assert "| EGES |" in text and "R-MP2V fold-in" in text
