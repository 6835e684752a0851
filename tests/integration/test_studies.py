"""The studies against a real server: the CO_CONSUMED item graph's weights and caps, and both study commands
on KuaiRec-format and generic CSV data (small generated files)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loaders import csv_generic, kuairec
from loaders.pipeline import LoadOptions, run_load
from mp2v.cli.main import app
from mp2v.config import ProjectPaths, Settings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.experiments.autoplay import AutoplayConfig, run_autoplay
from mp2v.experiments.favourites import FavouritesConfig, run_favourites
from mp2v.graph.co_consumed import ItemGraphConfig, build_item_graph, delete_item_graph
from mp2v.models.item_graph import ItemGraphParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.walks.config import HoldoutExclusion
from tests.conftest import Backend
from tests.cypher_helpers import cypher
from tests.graphs import TOY, create_graph
from tests.integration.test_protocols import SMALL, _kuairec_folder

TINY_GRAPH = ItemGraphParams(walks_per_node=5, walk_length=10, train=TrainConfig(dimensions=16, epochs=2, workers=1))


@pytest.fixture()
def settings(tmp_path: Path, neo4j_backend: Backend) -> Settings:
    return replace(load_settings(), paths=ProjectPaths(tmp_path / "home"), neo4j=neo4j_backend.settings)


def _edges(db: QueryRunner) -> dict[tuple[int, int], float]:
    rows = cypher(db, "MATCH (a:Video)-[r:CO_CONSUMED]->(b:Video) RETURN a.id AS a, b.id AS b, r.weight AS w")
    return {(int(a), int(b)): float(w) for a, b, w in rows.itertuples(index=False)} if len(rows) else {}


def test_item_graph_weights_caps_and_held_out_edges(db: QueryRunner) -> None:
    # user 1: 10 11 12; user 2: 10 11; user 3: 10 12 13.
    create_graph(db, [1, 2, 3], [10, 11, 12, 13],
                 [(1, 10, 1), (1, 11, 1), (1, 12, 1), (2, 10, 1), (2, 11, 1), (3, 10, 1), (3, 12, 1), (3, 13, 1)],
                 model=TOY)
    summary = build_item_graph(db, TOY, ItemGraphConfig(top_n=10))
    edges = _edges(db)
    assert edges[(10, 11)] == edges[(11, 10)] == 2 and edges[(10, 12)] == 2 and edges[(10, 13)] == 1
    assert edges[(11, 12)] == 1 and (11, 13) not in edges and summary.edges == len(edges) == 10
    build_item_graph(db, TOY, ItemGraphConfig(top_n=2))  # replaces the graph; item 10 keeps its two heaviest
    assert {b for a, b in _edges(db) if a == 10} == {11, 12}
    build_item_graph(db, TOY, ItemGraphConfig(max_user_items=2))  # only user 2 counts
    assert _edges(db) == {(10, 11): 1.0, (11, 10): 1.0}
    cypher(db, "MATCH (:User {id: 1})-[r:WATCHED]->(:Video {id: 10}) SET r.holdout_x = 'test'")
    build_item_graph(db, TOY, ItemGraphConfig(), HoldoutExclusion("holdout_x", ("test",)))
    edges = _edges(db)
    assert edges[(10, 11)] == 1 and edges[(10, 12)] == 1 and edges[(11, 12)] == 1
    delete_item_graph(db, TOY)
    assert _edges(db) == {}


def test_both_studies_on_kuairec_format(db: QueryRunner, settings: Settings, tmp_path: Path) -> None:
    _kuairec_folder(tmp_path / "kuairec")
    config = kuairec.KuaiRecConfig(tmp_path / "kuairec")
    run_load(lambda v: kuairec.build_plan(config, v), db, LoadOptions(progress=False), rejects_dir=tmp_path / "r")
    outcome = run_autoplay(db, settings, AutoplayConfig(mp2v=SMALL, item_graph=TINY_GRAPH, ks=(5, 10)), log=print)
    assert outcome.split.protocol == "kuairec" and len(outcome.pairs.positives) > 0
    # KuaiRec's categories are side information, so EGES and its mean variant are compared too.
    assert set(outcome.metrics) == {"MP2V", "R-MP2V", "item2vec", "item graph", "EGES", "GES (mean)"}
    for values in outcome.metrics.values():
        assert 0.0 <= values["auc"] <= 1.0 and 0.0 <= values["recall@10"] <= 1.0
    assert outcome.metrics["EGES"]["pairs_with_vectors"] > 0.9  # side vectors cover items the walks rarely hit
    assert {t["b"] for t in outcome.tests} == {"item2vec"} and len(outcome.tests) == 20
    assert _edges(db) == {}  # the item graph is removed after the walks
    again = run_autoplay(db, settings, AutoplayConfig(mp2v=SMALL, item_graph=TINY_GRAPH, ks=(5, 10)), log=print)
    assert again.metrics == outcome.metrics and all(m.notes and "reused" in m.notes[0] for m in again.methods)

    favourites = run_favourites(db, settings, FavouritesConfig(mp2v=SMALL, min_items=6, subsamples=5), log=print)
    assert favourites.users > 0 and set(favourites.hit_rates) == set(FavouritesConfig().methods)
    assert all(0.0 <= rate <= 1.0 for rate in favourites.hit_rates.values())
    assert {t["b"] for t in favourites.tests} == {"UserKNN"} and all(0 <= t["t_p_value"] <= 1
                                                                     for t in favourites.tests)


def test_study_commands_on_generic_csv(db: QueryRunner, neo4j_backend: Backend, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(0)
    lines = ["user,item,weight"]
    for user in range(30):
        side = range(20) if user < 15 else range(20, 40)
        lines += [f"u{user},i{item},{rng.randint(1, 50)}" for item in rng.sample(list(side), 13)]
    (tmp_path / "plays.csv").write_text("\n".join(lines) + "\n")
    csv = csv_generic.CsvConfig(interactions=tmp_path / "plays.csv", dataset="plays", id_type="string")
    run_load(lambda v: csv_generic.build_plan(csv, v), db, LoadOptions(progress=False), rejects_dir=tmp_path / "r")
    connection = neo4j_backend.settings
    for name, value in (("NEO4J_URI", connection.uri), ("NEO4J_USERNAME", connection.username),
                        ("NEO4J_PASSWORD", connection.password), ("MP2V_HOME", str(tmp_path / "home"))):
        monkeypatch.setenv(name, value)
    cli = CliRunner()
    autoplay = cli.invoke(app, ["study", "autoplay", "--out", str(tmp_path / "results"), "--method", "item2vec",
                                "--method", "item graph", "--method", "EGES", "--top-n", "5"])
    assert autoplay.exit_code == 0, autoplay.output
    assert "EGES: skipped, dataset 'plays' has no side information" in autoplay.output
    data = json.loads((tmp_path / "results" / "autoplay-plays.json").read_text())
    assert set(data["metrics"]) == {"item2vec", "item graph"} and data["positive_pairs"] > 0
    # Two planted communities: co-consumed pairs lie within one, so the item graph separates them.
    assert data["metrics"]["item graph"]["auc"] > 0.6
    assert "Word2Vec" in (tmp_path / "results" / "autoplay-plays.md").read_text()
    favourites = cli.invoke(app, ["study", "favourites", "--out", str(tmp_path / "results"), "--method", "UserKNN",
                                  "--method", "popularity", "--method", "item2vec"])
    assert favourites.exit_code == 0, favourites.output
    data = json.loads((tmp_path / "results" / "favourites-plays.json").read_text())
    assert data["test_users"] == 30 and set(data["hit_rates"]) == {"UserKNN", "popularity", "item2vec"}
    unknown = cli.invoke(app, ["study", "autoplay", "--method", "nope"])
    assert unknown.exit_code == 1 and "unknown autoplay method" in unknown.output
