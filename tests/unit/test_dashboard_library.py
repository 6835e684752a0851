"""The library parts the dashboard draws: one user's evaluated list, MRR, the projector's maths, benchmark
files and the explorable graph's elements (pure; no server, no Streamlit)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from dashboard import explore
from mp2v.embeddings import projection
from mp2v.errors import EvaluationError
from mp2v.evaluation.inspection import mrr_at_k, user_evaluation, user_row
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.experiments.benchmark.results_file import benchmark_files, read_benchmark

ROOT = Path(__file__).resolve().parents[2]


def _truth(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.array([i for r in rows for i in r], dtype=np.int32)
    return sp.csr_matrix((np.ones(indices.size, np.float32), indices, indptr), shape=(len(rows), n_items))


def test_user_evaluation_marks_held_out_hits_and_matches_the_reports_per_user_values() -> None:
    rng = np.random.default_rng(3)
    topk = np.array([rng.permutation(30)[:20] for _ in range(6)], dtype=np.int64)
    truth = _truth([[int(topk[0, 2]), int(topk[0, 7]), 29], [], [int(topk[2, 0])], [1, 2], [int(topk[4, 19])], [5]],
                   30)
    report = evaluate_topk(topk, truth, (10, 20))
    arrays = {"topk": topk, "user_ids": np.array([10, 11, 12, 13, 14, 15]), "item_ids": np.arange(30) + 100}
    assert user_row(arrays, 12) == 2 and user_row(arrays, 99) is None
    first = user_evaluation(arrays, 0, truth, 10)
    assert first.hits.tolist() == [i in (2, 7) for i in range(10)]
    assert first.truth.tolist() == sorted([int(topk[0, 2]), int(topk[0, 7]), 29])
    for row in (0, 2, 3, 4, 5):
        for k in (10, 20):
            shown = user_evaluation(arrays, row, truth, k)
            position = int(np.flatnonzero(report.users == row)[0])
            assert shown.metrics["recall"] == pytest.approx(report.per_user[f"recall@{k}"][position])
            assert shown.metrics["ndcg"] == pytest.approx(report.per_user[f"ndcg@{k}"][position])
    assert user_evaluation(arrays, 1, truth, 10).metrics == {}  # nothing held out: no metric
    assert user_evaluation(arrays, 0, None, 10).hits.sum() == 0  # no split: shown as scored


def test_mrr_is_the_mean_reciprocal_rank_of_the_first_hit_over_users_with_truth() -> None:
    topk = np.array([[5, 1, 2], [3, 4, 6], [7, 8, 9], [1, 2, 3]])
    truth = _truth([[2, 1], [6], [0], []], 10)
    assert mrr_at_k(topk, truth, 3) == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert mrr_at_k(topk, truth, 1) == pytest.approx(0.0)


def test_mean_pairwise_cosine_matches_brute_force_and_flags_a_collapsed_space() -> None:
    rng = np.random.default_rng(0)
    spread = rng.normal(size=(50, 8))
    unit = spread / np.linalg.norm(spread, axis=1, keepdims=True)
    brute = (unit @ unit.T)[~np.eye(50, dtype=bool)].mean()
    assert projection.mean_pairwise_cosine(spread) == pytest.approx(brute, abs=1e-6)
    collapsed = np.ones((50, 8)) + 0.05 * spread
    assert projection.is_collapsed(collapsed) and not projection.is_collapsed(spread)


def test_pca_explained_variance_and_nearest_neighbours() -> None:
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 6)) * np.array([5.0, 2.0, 1.0, 0.5, 0.2, 0.1])
    found = projection.pca(data)
    eigen = np.sort(np.linalg.eigvalsh(np.cov(data.T)))[::-1]
    assert found.explained == pytest.approx(eigen / eigen.sum(), rel=1e-6)
    assert found.coordinates.shape == (200, 2)
    assert np.var(found.coordinates[:, 0]) > np.var(found.coordinates[:, 1])
    rows, similarity = projection.nearest(data, 0, 5)
    assert 0 not in rows and list(similarity) == sorted(similarity, reverse=True)
    with pytest.raises(Exception, match="projection must be one of PCA, UMAP"):
        projection.project(data, "tsne")


def test_benchmark_file_reads_every_method_with_curves_and_differences() -> None:
    path = ROOT / "results" / "lastfm.json"
    raw = json.loads(path.read_text())
    found = read_benchmark(path)
    assert [r.name for r in found.rows if r.group == "method"] == [r["name"] for r in raw["results"]]
    assert len([r for r in found.rows if r.group == "ablation"]) == len(raw["ablations"])
    assert {"recall", "ndcg", "precision", "unique_features"} <= set(found.metric_names())
    assert found.ks() == [10, 20, 50, 100]
    curves = found.curves("precision")
    assert len(curves) == len(raw["results"]) * 4
    reference = raw["results"][0]["name"]
    relative = found.curves("recall", reference=reference)
    assert all(r["value"] == 0.0 for r in relative if r["method"] == reference)
    by = {(r["method"], r["k"]): r["value"] for r in relative}
    other = raw["results"][1]
    assert by[(other["name"], 20)] == pytest.approx(other["metrics"]["recall@20"] - raw["results"][0]["metrics"][
        "recall@20"])
    table = found.table(20)
    assert table[0]["precision"] == pytest.approx(raw["results"][0]["metrics"]["precision@20"])


def test_a_damaged_benchmark_file_gives_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(EvaluationError) as caught:
        read_benchmark(bad)
    assert str(bad) in str(caught.value) and "\n" not in str(caught.value)


def test_benchmark_files_skip_the_studies_files_beside_them(tmp_path: Path) -> None:
    (tmp_path / "lastfm.json").write_text(json.dumps({"results": [{"name": "MP2V", "metrics": {"recall@20": 0.3}}]}))
    (tmp_path / "autoplay-lastfm.json").write_text(json.dumps({"command": "mp2v study autoplay", "results": {}}))
    (tmp_path / "scale.json").write_text(json.dumps({"sizes": {}}))
    (tmp_path / "damaged.json").write_text("{")
    assert [path.name for path in benchmark_files(tmp_path)] == ["damaged.json", "lastfm.json"]


def test_explorer_elements_keep_one_node_per_entity_and_draw_why_paths() -> None:
    elements = explore.Elements({"user": "User", "item": "Artist", "feature": "Tag"})
    centre = elements.node("user", 2, "User 2")
    elements.add_neighbours(centre, [{"kind": "item", "id": 51, "name": None, "relation": "LISTENED", "strength": 3},
                                     {"kind": "user", "id": 4, "name": None, "relation": "FOLLOWS", "strength": 1}],
                            {51: "Duran Duran"})
    target = elements.node("item", 89, "Lady Gaga")
    paths = [{"path": "friend", "via": 4, "via2": None, "name": None, "strength": 1.0},
             {"path": "co-listener", "via": 51, "via2": 7, "name": None, "strength": 2.0},
             {"path": "feature", "via": 51, "via2": 13, "name": "pop", "strength": 1.0}]
    explore.add_paths(elements, centre, target, paths, {51: "Duran Duran"},
                      {"follows": "FOLLOWS", "interaction": "LISTENED", "feature": "HAS_TAG"})
    assert set(elements.nodes) == {"u:2", "i:51", "u:4", "i:89", "u:7", "f:13"}
    assert elements.nodes["i:51"]["name"] == "Duran Duran" and elements.nodes["f:13"]["name"] == "pop"
    # user-51 and user-4 links exist once although both the expansion and the paths add them
    assert len(elements.edges) == 2 + 1 + 2 + 2
    assert explore.path_summary(paths) == {"friend": 1, "co-listener": 1, "feature": 1}
    assert explore.parse_node("i:154") == ("item", "154") and explore.parse_node("x:1") is None
    drawn = elements.as_cytoscape()
    assert {e["data"]["source"] for e in drawn["edges"]} <= set(elements.nodes)
